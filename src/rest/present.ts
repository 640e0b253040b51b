/** Dexatel's dates: UTC, `yyyy-MM-dd HH:mm:ss`. */
export function dexatelDate(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

/** The absolute base of the links in a response: the origin the client called. */
export function apiBase(url: string): string {
  return `${new URL(url).origin}/v1`;
}
