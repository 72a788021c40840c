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

/** Words that carry meaning, lightly stemmed so "containers" matches "container" and "rolling" "roll". */
export function contentTerms(text: string): string[] {
  return words(text)
    .filter((word) => !STOP_WORDS.has(word))
    .map(stem);
}

function stem(word: string): string {
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (/(?:x|ch|sh|ss|z)es$/.test(word)) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return stripSuffix(word.slice(0, -1));
  return stripSuffix(word);
}

const SUFFIXES = ['ment', 'ing', 'ed'];
/** A stem shorter than this is more likely a different word ("need", "sing") than a base. */
const MIN_STEM_LENGTH = 3;

/** "deployment", "deploying" and "deployed" all become "deploy"; "running" and "stopped" lose the doubled consonant. */
function stripSuffix(word: string): string {
  const suffix = SUFFIXES.find(
    (ending) => word.endsWith(ending) && word.length - ending.length >= MIN_STEM_LENGTH,
  );
  if (suffix === undefined) return word;
  const base = word.slice(0, -suffix.length);
  // "roll", "miss" and "buzz" keep their double letter.
  return /([bcdfghjkmnpqrtvwxy])\1$/.test(base) ? base.slice(0, -1) : base;
}
