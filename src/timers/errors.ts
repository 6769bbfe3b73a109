/** Base class so callers can catch every timer-service error in one place. */
export class TimerServiceError extends Error {
  override name = 'TimerServiceError';
}

/** Bad job input. Names the field, the value received, and what is allowed. Nothing was stored. */
export class JobValidationError extends TimerServiceError {
  override name = 'JobValidationError';
  readonly field: string;
  readonly value: unknown;
  readonly allowed: string;

  constructor(field: string, value: unknown, allowed: string, message?: string) {
    super(message ?? `invalid ${field}: ${describe(value)}; allowed: ${allowed}`);
    this.field = field;
    this.value = value;
    this.allowed = allowed;
  }
}

export class JobAlreadyExistsError extends TimerServiceError {
  override name = 'JobAlreadyExistsError';
  readonly jobName: string;
  constructor(jobName: string) {
    super(`job ${JSON.stringify(jobName)} already exists; pass overwrite: true to replace it`);
    this.jobName = jobName;
  }
}

export class JobNotFoundError extends TimerServiceError {
  override name = 'JobNotFoundError';
  readonly jobName: string;
  constructor(jobName: string) {
    super(`job ${JSON.stringify(jobName)} not found`);
    this.jobName = jobName;
  }
}

function describe(value: unknown): string {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (typeof value === 'string')
    return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  try {
    const text = JSON.stringify(value);
    return text === undefined ? String(value) : text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return String(value);
  }
}
