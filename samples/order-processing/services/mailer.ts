import type { Simulator } from './simulator.js';

export interface Email {
  to: string;
  subject: string;
}

/** Sends customer emails; here it only keeps an outbox. At-least-once means a rare duplicate email. */
export class Mailer {
  readonly #sim: Simulator;
  readonly outbox: Email[] = [];

  constructor(sim: Simulator) {
    this.#sim = sim;
  }

  async send(email: Email): Promise<void> {
    await this.#sim.latency(`mail:${email.to}:${email.subject}`, 10, 60);
    this.outbox.push(email);
  }
}
