// Look-alike letters: "іgnоre" spelled with Cyrillic і and о reads as "ignore" to a model but slips past a regex.
// Only words that mix Latin with Cyrillic or Greek letters are folded, so genuine Russian or Greek text is untouched,
// and every replacement is one UTF-16 unit for one, so spans stay valid.

const TO_LATIN: Readonly<Record<string, string>> = {
  а: 'a',
  в: 'b',
  е: 'e',
  к: 'k',
  м: 'm',
  н: 'h',
  о: 'o',
  р: 'p',
  с: 'c',
  т: 't',
  у: 'y',
  х: 'x',
  і: 'i',
  ј: 'j',
  ѕ: 's',
  ԁ: 'd',
  һ: 'h',
  ӏ: 'l',
  ԛ: 'q',
  ԝ: 'w',
  А: 'A',
  В: 'B',
  Е: 'E',
  К: 'K',
  М: 'M',
  Н: 'H',
  О: 'O',
  Р: 'P',
  С: 'C',
  Т: 'T',
  Х: 'X',
  У: 'Y',
  І: 'I',
  Ј: 'J',
  Ѕ: 'S',
  α: 'a',
  ο: 'o',
  ι: 'i',
  κ: 'k',
  ν: 'v',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  Α: 'A',
  Β: 'B',
  Ε: 'E',
  Ζ: 'Z',
  Η: 'H',
  Ι: 'I',
  Κ: 'K',
  Μ: 'M',
  Ν: 'N',
  Ο: 'O',
  Ρ: 'P',
  Τ: 'T',
  Υ: 'Y',
  Χ: 'X',
};

const NON_LATIN = /[\u0370-\u03FF\u0400-\u052F]/;
const WORD = /\p{L}+/gu;
const LATIN = /[A-Za-z]/;

/** `text` with look-alike letters in mixed-script words replaced by Latin ones, and how many words were folded. */
export function foldMixedScript(text: string): { text: string; folded: number } {
  // Most results hold no Cyrillic or Greek at all: skip the word walk for them.
  if (!NON_LATIN.test(text)) return { text, folded: 0 };
  let folded = 0;
  const out = text.replace(WORD, (word) => {
    if (!LATIN.test(word) || !NON_LATIN.test(word)) return word;
    folded++;
    let w = '';
    for (const ch of word) w += TO_LATIN[ch] ?? ch;
    return w;
  });
  return { text: out, folded };
}
