/** Words too common to say anything about relevance; shared by the local embedder and answerer. */
const STOP_WORDS = new Set(
  (
    'a about an and are as at be but by can do does for from has have how i if in into is it its me my no not of ' +
    'on or our so than that the their them then there these they this to was we were what when where which who ' +
    'why will with you your'
  ).split(' '),
);

/** Lower-cased words and numbers, in order, Unicode-aware. */
export function words(text: string): string[] {
  return (
    text
      .normalize('NFKC')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? []
  );
}

/** Words that carry meaning, lightly stemmed so "containers" matches "container". */
export function contentTerms(text: string): string[] {
  return words(text)
    .filter((word) => !STOP_WORDS.has(word))
    .map(stem);
}

function stem(word: string): string {
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (/(?:x|ch|sh|ss|z)es$/.test(word)) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}
