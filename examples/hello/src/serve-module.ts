// What `npx tickflow serve --workflows dist/serve-module.js` registers: workflows and activities
// by name.
import { composeGreeting, greeting } from './greeting.js';

export const workflows = { greeting };
export const activities = { composeGreeting };
