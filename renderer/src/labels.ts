/** Short texts the UI shows in several places. */

/** `1,056 repositories`, or `12 of 10,000 tags` while a filter hides some. */
export function countLabel(shown: number, total: number, singular: string, plural = `${singular}s`): string {
  const all = `${total.toLocaleString('en')} ${total === 1 ? singular : plural}`;
  return shown === total ? all : `${shown.toLocaleString('en')} of ${all}`;
}
