// Sentence-level cues: a tool result that *is* a user's turn (questions and requests for the agent, possibly in
// any language), a question about a secret or about a named person's personal data, and few-shot "Q:/A:" turns.
// Data a tool returns describes things; it rarely asks the reader to do work, and almost never consists of asking.
import type { Finding } from '../finding.ts';
import { hit } from './hit.ts';

// Sentence boundaries across scripts (Latin, CJK full stops, Arabic question mark, Devanagari danda).
const SENTENCE = /[^.!?。！？؟।\n]+[.!?。！？؟।]*/g;
const QUESTION_END = /[?？؟]\s*["'”’)]*\s*$/;
const OPENERS_EN =
  /^(?:(?:and|but|oh|also|now|so|actually|by the way|speaking of \w+|then|finally),?\s+)*(?:(?:can|could|would|will) (?:you|we)|(?:help|tell|show|give|teach|remind) me|let'?s|imagine|suppose|pretend|assume|(?:provide|suggest|summari[sz]e|explain|describe|list|write|compose|translate|analy[sz]e|recommend|outline|generate|create|draft|compare|calculate|identify|discuss|predict|classify|convert|rewrite|determine|evaluate|assess|name|define|share|plan|design|find|give|tell|answer|respond|reply|decode|decrypt|encode|encrypt|interlace|combine|repeat|say|print|output)\b)/i;
const ASSISTANT_TASK =
  /^(?:(?:can|could|would|will) you (?:please )?\w+|(?:help|tell|show|give|teach) me|suggest|recommend|summari[sz]e|explain|describe|analy[sz]e|translate|compose|outline|compare|classify|determine|predict|brainstorm|(?:write|provide|draft|generate) (?:a|an|me|some|the)|list (?:the|all|some|\d))\b/i;
// A request that speaks as a person to a helper ("can you", "help me", "my"), which API documentation does not.
const PERSONAL_ASK = /\b(?:can|could|would|will) you\b|\b(?:help|tell|show|give|teach) me\b|\b(?:I|my|me)\b/i;
const TASK_OPENER =
  /^(?:(?:can|could|would) you\s+)?(?:summari[sz]e|translate|analy[sz]e|review|explain|describe|rewrite|paraphrase|classify|extract|answer|what(?:'s| is| are)|who|how|which|write|draft|compose)\b[^:\n]{0,80}\b(?:this|these|the following|the below|below|given|based on)\b[^:\n]{0,60}[:?]/i;
// Question openers in English and the Latin-script languages covered (es, de, fr, pt, it).
const WH =
  /^(?:(?:and|but|oh|also|now|so|by the way),?\s+)*(?:what|who|whom|whose|where|when|why|how|which|is|are|was|were|do|does|did|can|could|would|will|should|have|has|cu[aá]l(?:es)?|qu[eé]|qui[eé]n|d[oó]nde|c[oó]mo|cu[aá]ndo|was|wer|wo|wie|welche[rsnm]?|warum|quel(?:le)?s?|qu'est|o[uù]|comment|pourquoi|qual|quais|quem|onde|quando|por que|chi|dove|perch[eé])\b/i;
const HOW_TO =
  /\b(?:how (?:do|can|to|should)|reset|change|forgot|forget|update|recover|create|choose|strong|secure|rotate|where do i)\b/i;
const SENSITIVE =
  /\b(?:pass(?:word|code|phrase)|secret|api[ _-]?key|credentials?|birth ?(?:date|day)|home address|city of residence|where (?:does|do) \w+ live|social security|bank (?:balance|account|details)|credit card)\b/i;
const SECRET_WORD =
  /\b(?:pass(?:word|code|phrase)|secret(?: key| code| word)?|api[ _-]?key|private key|credentials?|confidential string|access code|system prompt)\b|密码|密钥|口令|パスワード|暗証番号|비밀번호|contraseña|Passwort|Kennwort|mot de passe|senha|пароль|كلمة (?:المرور|السر)|password/giu;
const PERSONAL =
  /\b(?:birth ?(?:date|day|year|month)|date of birth|initials|home address|(?:e-?mail|street) address|phone number|social security|bank (?:balance|account|details)|credit card|current city|city of residence|where (?:does|do|did) [A-Z][a-z]+(?: [A-Z][a-z]+)? live|favou?rite colou?r|salary|medical (?:record|history))\b/g;
const ABOUT_PERSON = /\b(?:the user'?s?|[A-Z][a-z]+'s|[A-Z][a-z]+ [A-Z][a-z]+'s|her|his|their|your)\b/;
const URLISH = /\b(?:https?:\/\/|www\.)[^\s)\]>"']+|`[^`\n]*`/g;
const DOC_LIKE = /^#{1,6} \S|```|`[^`\n]+`|^[ \t]*[-*] \S[^\n]*\n[ \t]*[-*] \S/m;
const FEW_SHOT = /(?:^|\s)Q:\s[^\n]{3,400}?\sA:\s[\s\S]{3,600}?\sQ:\s/;

interface Sentence {
  readonly text: string;
  readonly start: number;
}

function sentences(text: string): Sentence[] {
  const out: Sentence[] = [];
  SENTENCE.lastIndex = 0;
  for (let m = SENTENCE.exec(text); m !== null; m = SENTENCE.exec(text)) {
    const lead = m[0].length - m[0].trimStart().length;
    const body = m[0].trim();
    if (body.length >= 3) out.push({ text: body, start: m.index + lead });
  }
  return out;
}

// Scripts whose sentences are short or unspaced, so the three-word minimum does not apply (and a question in them
// is not an English FAQ heading).
const UNSPACED_SCRIPT =
  /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Cyrillic}\p{Script=Arabic}\p{Script=Greek}\p{Script=Devanagari}\p{Script=Hebrew}\p{Script=Thai}]/u;

// Code lines (calls, assignments, brackets) are not requests even when they start with `print` or `list`.
const CODE_LIKE = /[()=[\]{};<>]|^\s*(?:import|from|def|class|return|print|const|let|var)\b/;

// A question may come after a turn label ("Q: What is...") or a lead-in clause ("In the movie 'X', what is...",
// "Forget about that, can you...").
function afterLead(s: string): string {
  const unlabelled = s.replace(/^(?:Q|Question|User|Human)\s*:\s*/i, '');
  const comma = unlabelled.indexOf(', ');
  return comma > 0 && comma < 80 ? unlabelled.slice(comma + 2) : unlabelled;
}

function opensQuestion(s: string): boolean {
  return WH.test(s) || WH.test(afterLead(s)) || WH.test(s.replace(/^(?:Q|Question)\s*:\s*/i, ''));
}

function isAsk(s: string): boolean {
  if (!/^\s*\S+\s+\S+\s+\S/.test(s) && !UNSPACED_SCRIPT.test(s)) return false;
  if (CODE_LIKE.test(s) && !QUESTION_END.test(s)) return false;
  return QUESTION_END.test(s) || s.startsWith('¿') || OPENERS_EN.test(s) || OPENERS_EN.test(afterLead(s));
}

/** Findings from sentence shape: user-turn text, secret and personal-data questions, few-shot turns. */
export function scanRequests(input: string): Finding[] {
  const out: Finding[] = [];
  // URLs and inline code are blanked (same length, so spans stay right): their dots and question marks are not
  // sentence ends, and neither is addressed to anyone.
  const text = input.replace(URLISH, (m) => ' '.repeat(m.length));
  // Reference documentation describes functions in the imperative ("Determine if...", "Provide a function...");
  // in a document with markdown structure a bare imperative line is therefore weaker.
  const docLike = DOC_LIKE.test(input);
  const all = sentences(text);
  if (all.length === 0) return out;
  let asks = 0;
  let askChars = 0;
  let firstAsk: Sentence | undefined;
  for (const s of all) {
    const ask =
      isAsk(s.text) &&
      (QUESTION_END.test(s.text)
        ? opensQuestion(s.text) || UNSPACED_SCRIPT.test(s.text) || s.text.startsWith('¿')
        : true);
    if (ask) {
      asks++;
      askChars += s.text.length;
      firstAsk ??= s;
    }
    SECRET_WORD.lastIndex = 0;
    // Asking for the secret itself, not how to reset or change one (help pages do the latter).
    if (ask && SECRET_WORD.test(s.text) && !HOW_TO.test(s.text)) {
      out.push(hit('output.secret_request', 'high', text, s.start, s.start + s.text.length));
    }
    PERSONAL.lastIndex = 0;
    if (ask && PERSONAL.test(s.text) && ABOUT_PERSON.test(s.text)) {
      out.push(hit('output.personal_data_request', 'high', text, s.start, s.start + s.text.length));
    }
  }
  const total = text.trim().length;
  // The whole result is someone asking the agent for things: a user turn smuggled in as data.
  // A result that opens by asking for work on the content that follows ("Summarize this webpage: '...'", "What is
  // the output of this code:") is a user's prompt with its material, not material.
  const opener = all[0] !== undefined && TASK_OPENER.test(all[0].text);
  // An FAQ answers its questions; a smuggled turn (few-shot Q/A included) ends on one left for the agent.
  const last = all.at(-1)!;
  const answered = /(?:^|\s)(?:A|Answer)\s*:\s/.test(text) && !isAsk(last.text);
  if (
    firstAsk !== undefined &&
    !answered &&
    (opener ||
      (total <= 1200 && (askChars / total >= 0.3 || asks >= 2)) ||
      (total <= 400 && asks >= 1 && (PERSONAL_ASK.test(firstAsk.text) || SENSITIVE.test(text))))
  ) {
    // A bare imperative ("List all tables.") is also how tools describe themselves and how to-do items read; a
    // question, or a request in the first or second person, is someone talking to the agent.
    const personal = all.some(
      (x) =>
        isAsk(x.text) &&
        (QUESTION_END.test(x.text) || PERSONAL_ASK.test(x.text) || /\byour?\b/i.test(x.text)),
    );
    const severity = personal ? 'high' : 'medium';
    out.push(
      hit('output.user_turn_text', severity, text, firstAsk.start, firstAsk.start + firstAsk.text.length),
    );
  } else if (firstAsk !== undefined) {
    // Inside a longer document a line that is nothing but a request or question to an assistant is out of place
    // in data (a mail or a web answer); several of them read as a list of FAQs, so only the first few count.
    let n = 0;
    for (const line of lines(text)) {
      const body = line.text;
      if (body.length < 15 || body.length > 260 || CODE_LIKE.test(body.replace(/'[^']*'|"[^"]*"/g, '')))
        continue;
      const ask =
        OPENERS_EN.test(body) || (WH.test(body) && QUESTION_END.test(body.replace(/\s*'[^']*'\s*$/, '')));
      if (!ask) continue;
      if (++n > 3) break;
      // Asking for an assistant's kind of work (explain, summarise, recommend...) is stronger than a bare question,
      // which FAQ pages and forum titles also contain.
      const severity =
        ASSISTANT_TASK.test(body) && !(docLike && !PERSONAL_ASK.test(body)) ? 'high' : 'medium';
      out.push(hit('output.request_to_agent', severity, text, line.start, line.start + body.length));
    }
  }
  const fs = FEW_SHOT.exec(text);
  if (fs !== null)
    out.push(hit('output.fake_role_marker', 'medium', text, fs.index, fs.index + fs[0].length));
  return out;
}

function lines(text: string): Sentence[] {
  const out: Sentence[] = [];
  let at = 0;
  for (const raw of text.split('\n')) {
    const lead = raw.length - raw.trimStart().length;
    out.push({ text: raw.trim(), start: at + lead });
    at += raw.length + 1;
  }
  return out;
}
