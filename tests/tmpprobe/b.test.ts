test('probe', () => { expect(1).toBe(1); });
