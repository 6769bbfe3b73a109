import type { JobProgress, JobRecord } from './job.js';

/** Stored JSON is read defensively: a corrupt value is reported and skipped, never thrown. */
export function decodeRecord(value: string): JobRecord | undefined {
  try {
    const parsed = JSON.parse(value) as Partial<JobRecord> | null;
    if (
      !parsed ||
      typeof parsed !== 'object' ||
      typeof parsed.name !== 'string' ||
      typeof parsed.target !== 'string' ||
      typeof parsed.createdAt !== 'number' ||
      !parsed.failurePolicy
    ) {
      return undefined;
    }
    return parsed as JobRecord;
  } catch {
    return undefined;
  }
}

export function decodeProgress(value: string): JobProgress | undefined {
  try {
    const parsed = JSON.parse(value) as Partial<JobProgress> | null;
    if (
      !parsed ||
      typeof parsed.jobRevision !== 'number' ||
      typeof parsed.count !== 'number' ||
      typeof parsed.attempts !== 'number'
    ) {
      return undefined;
    }
    return parsed as JobProgress;
  } catch {
    return undefined;
  }
}

export function encodeRecord(record: JobRecord): string {
  return JSON.stringify(record);
}
