// Metamorphic re-encodings of a malicious payload: the same attack, written so a naive matcher would miss it. The
// eval measures how much recall each one costs. Translation is by a phrase table (below), not a model.

const ZWSP = '\u200b';

/** Zero-width spaces between the letters of every word. */
export function zeroWidth(text: string): string {
  return text.replace(/(\p{L})(?=\p{L})/gu, `$1${ZWSP}`);
}

/** Invisible Unicode tag characters (the tag mirror of the letters) after every third letter. */
export function tagChars(text: string): string {
  let i = 0;
  return text.replace(/\p{L}/gu, (c) =>
    ++i % 3 === 0 ? `${c}${String.fromCodePoint(0xe0000 + 0x41 + (i % 26))}` : c,
  );
}

const HOMOGLYPHS: Readonly<Record<string, string>> = {
  a: 'а',
  e: 'е',
  o: 'о',
  p: 'р',
  c: 'с',
  x: 'х',
  i: 'і',
};

/** Latin a, e, o, p, c, x, i replaced by their Cyrillic look-alikes. */
export function homoglyphs(text: string): string {
  return text.replace(/[aeopcxi]/g, (c) => HOMOGLYPHS[c] ?? c);
}

/** The payload as one base64 run, the way an attacker hides it from keyword filters. */
export function base64Wrap(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

/** The payload inside an HTML comment, invisible in most renderers. */
export function htmlComment(text: string): string {
  return `<!-- ${text} -->`;
}

export type Where = 'description' | 'enum' | 'default';

/** A copy of `schema` with `text` placed in a new string property's description, enum or default. */
export function intoSchema(schema: unknown, text: string, where: Where): Record<string, unknown> {
  const base =
    schema && typeof schema === 'object' ? (schema as Record<string, unknown>) : { type: 'object' };
  const props = base['properties'] && typeof base['properties'] === 'object' ? base['properties'] : {};
  const field: Record<string, unknown> = { type: 'string' };
  if (where === 'description') field['description'] = text;
  if (where === 'enum') field['enum'] = [text];
  if (where === 'default') field['default'] = text;
  return { ...base, type: 'object', properties: { ...(props as Record<string, unknown>), options: field } };
}

export type Language = 'es' | 'de' | 'fr' | 'zh' | 'ru';

/**
 * A phrase-table translation of the attack's key phrases (not machine translation: the surrounding words stay
 * English, the way a mixed-language payload reads). It measures whether the cues are recognised in other
 * languages; the eval reports how many items it changed.
 */
const PHRASES: readonly [RegExp, Readonly<Record<Language, string>>][] = [
  [
    /ignore (all )?(the )?(previous|prior|above) instructions/gi,
    {
      es: 'ignora todas las instrucciones anteriores',
      de: 'ignoriere alle vorherigen Anweisungen',
      fr: 'ignore toutes les instructions précédentes',
      zh: '忽略之前的所有指令',
      ru: 'игнорируй все предыдущие инструкции',
    },
  ],
  [
    /do not (tell|inform|mention (this |it )?to) the user/gi,
    {
      es: 'no se lo digas al usuario',
      de: 'sage es nicht dem Benutzer',
      fr: "ne le dis pas à l'utilisateur",
      zh: '不要告诉用户',
      ru: 'не говори пользователю',
    },
  ],
  [
    /before using this tool/gi,
    {
      es: 'antes de usar esta herramienta',
      de: 'bevor du dieses Werkzeug benutzt',
      fr: 'avant d’utiliser cet outil',
      zh: '在使用此工具之前',
      ru: 'перед использованием этого инструмента',
    },
  ],
  [/you must/gi, { es: 'debes', de: 'du musst', fr: 'tu dois', zh: '你必须', ru: 'ты должен' }],
  [/\bimportant\b/gi, { es: 'importante', de: 'wichtig', fr: 'important', zh: '重要', ru: 'важно' }],
  [/\bread\b/gi, { es: 'lee', de: 'lies', fr: 'lis', zh: '读取', ru: 'прочитай' }],
  [/\bsend\b/gi, { es: 'envía', de: 'sende', fr: 'envoie', zh: '发送', ru: 'отправь' }],
  [/\bpassword(s)?\b/gi, { es: 'contraseña', de: 'Passwort', fr: 'mot de passe', zh: '密码', ru: 'пароль' }],
  [
    /\bapi key(s)?\b/gi,
    { es: 'clave de API', de: 'API-Schlüssel', fr: 'clé API', zh: 'API密钥', ru: 'ключ API' },
  ],
  [/\bsecret(s)?\b/gi, { es: 'secreto', de: 'Geheimnis', fr: 'secret', zh: '秘密', ru: 'секрет' }],
  [/\bthe best\b/gi, { es: 'la mejor', de: 'das beste', fr: 'le meilleur', zh: '最好的', ru: 'лучший' }],
  [
    /\balways use\b/gi,
    {
      es: 'usa siempre',
      de: 'verwende immer',
      fr: 'utilise toujours',
      zh: '始终使用',
      ru: 'всегда используй',
    },
  ],
  [/\binstead of\b/gi, { es: 'en lugar de', de: 'anstatt', fr: 'au lieu de', zh: '而不是', ru: 'вместо' }],
  [
    /\bthe user\b/gi,
    { es: 'el usuario', de: 'der Benutzer', fr: "l'utilisateur", zh: '用户', ru: 'пользователь' },
  ],
  [
    /\binstructions?\b/gi,
    { es: 'instrucciones', de: 'Anweisungen', fr: 'instructions', zh: '指令', ru: 'инструкции' },
  ],
];

/** `text` with each phrase of the table in `language`; `changed` tells whether any phrase was there. */
export function translatePhrases(text: string, language: Language): { text: string; changed: boolean } {
  let out = text;
  for (const [pattern, translations] of PHRASES) out = out.replace(pattern, translations[language]);
  return { text: out, changed: out !== text };
}
