/**
 * Profiling (RFM scores, churn prediction) only for customers who have not withdrawn consent to it.
 * The consent service mirrors each choice onto the profile (`consents.<purpose>`), so modules that
 * profile spread this into their customer queries instead of reading another module's collection.
 */
export const PROFILING_ALLOWED = { 'consents.profiling': { $ne: false } } as const;
