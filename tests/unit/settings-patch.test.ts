import { describe, expect, it } from 'vitest';
import { SettingsPatchSchema, SettingsSchema } from '../../src/shared/api/schemas.ts';

describe('SettingsPatchSchema', () => {
  it('names every settings field, and no other', () => {
    expect(Object.keys(SettingsPatchSchema.shape).sort()).toEqual(Object.keys(SettingsSchema.shape).sort());
  });
  it('leaves out what a patch does not name (no defaults filled in)', () => {
    expect(SettingsPatchSchema.parse({ theme: 'dark' })).toEqual({ theme: 'dark' });
  });
});
