/** jsdom ships no types and @types/jsdom is not worth a dependency for one constructor call. */
declare module 'jsdom';
