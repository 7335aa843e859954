import { describe, expect, it } from 'vitest';
import { hashPassword, PasswordPolicyError, verifyPassword } from '../../electron/core/accounts/passwords.js';

describe('passwords', () => {
  it('are hashed with scrypt (N=2^15, r=8, p=1) and a salt of their own, and verified', async () => {
    const [a, b] = await Promise.all([hashPassword('correct horse battery'), hashPassword('correct horse battery')]);
    expect(a).toMatch(/^scrypt\$15\$8\$1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse battery', a)).toBe(true);
    expect(await verifyPassword('correct horse batterY', a)).toBe(false);
    expect(await verifyPassword('correct horse battery', null)).toBe(false);
    expect(await verifyPassword('correct horse battery', 'not a hash')).toBe(false);
  });

  it('compares composed and decomposed accents as the same password', async () => {
    const hash = await hashPassword('crème brûlée pour deux');
    expect(await verifyPassword('cre\u0300me bru\u0302le\u0301e pour deux', hash)).toBe(true);
  });

  it('refuses a password under 10 characters with a clear message', async () => {
    await expect(hashPassword('short one')).rejects.toThrow(PasswordPolicyError);
    await expect(hashPassword('short one')).rejects.toThrow(/at least 10 characters/);
  });

  it('hashes in the thread pool: the event loop keeps turning meanwhile', async () => {
    let turns = 0;
    const ticker = setInterval(() => turns++, 1);
    try {
      await hashPassword('correct horse battery');
    } finally {
      clearInterval(ticker);
    }
    expect(turns).toBeGreaterThan(0);
  });
});
