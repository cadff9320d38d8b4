export function nothing(): Promise<void> {
  return Promise.resolve();
}

/** Returns what it is given: a payload of the variant's size in and out. */
export function echo(payload: string): Promise<string> {
  return Promise.resolve(payload);
}
