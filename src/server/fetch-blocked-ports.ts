/**
 * Ports the Fetch standard's "bad port" list blocks: Node's fetch (undici) refuses to connect to
 * them at once ("bad port") without trying. A callback URL on one of these can never be reached,
 * so `tickflow serve` refuses it at start-up instead of dropping every job after its retries.
 */
const BLOCKED = new Set([
  0, 1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104,
  109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515,
  526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049,
  3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080,
]);

/** The port `url` connects to (its scheme's default when none is given). */
export function portOf(url: URL): number {
  if (url.port !== '') return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}

/** Whether Node's fetch refuses to connect to `url`'s port. */
export function fetchBlocksPort(url: URL): boolean {
  return BLOCKED.has(portOf(url));
}
