/**
 * The rules of each mode that both sides need, as plain data: the server enforces them (a
 * homework message without an assignment is refused) and the renderer shows them (the required
 * star, the composer's "choose an assignment"). No zod here: the renderer's first chunk imports it.
 *
 * Everything else about a mode (prompt, sampling, budget) is the server's policy
 * (src/main/core/llm/policies.ts); which models a mode may use comes from GET /models (`allowed`).
 */
import type { Mode } from './api/schemas.ts';

export interface ModeRules {
  /**
   * 'required': a session in this mode must name an assignment when it starts; 'optional': it
   * may (it then appears with the assignment in history and exports, and the assignment's text
   * goes into the model's context).
   */
  assignment: 'required' | 'optional';
}

export const MODE_RULES: Readonly<Record<Mode, ModeRules>> = {
  chat: { assignment: 'optional' },
  homework: { assignment: 'required' },
  deep_think: { assignment: 'optional' },
};

export function needsAssignment(mode: Mode): boolean {
  return MODE_RULES[mode].assignment === 'required';
}
