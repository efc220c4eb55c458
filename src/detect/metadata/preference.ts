// Preference manipulation: text written to win the agent's tool choice rather than to describe the tool —
// superlatives, exclusivity, disparaging alternatives, authority and urgency claims, and promotional, emotional copy
// addressed to the reader. Marketing has no imperatives, so the tone is measured as a density of weak cues.

import type { Finding } from '../finding.ts';
import { evidenceOf, type Rule } from './rule.ts';

export const PREFERENCE_RULES: readonly Rule[] = [
  {
    id: 'meta.superlative_claim',
    severity: 'high',
    re: /\b(?:the )?(?:best|greatest|finest|most (?:powerful|reliable|accurate|advanced|trusted)) (?:tool|choice|option|solution|server|function|service|api|way)s?\b(?! practices?)|\b(?:best|greatest|finest|#1|number one|leading|top) [\w -]{0,25}\bin the (?:world|industry|market|universe)\b|\bworld'?s (?:best|greatest|leading|most|first|#1|number one|top)\b|(?:^|\s)#1 (?:tool|choice|rated|solution)|\bnumber one (?:tool|choice|solution)|\bsecond to none\b|\bbest-in-class\b|\bsuperior to (?:all|any|other)/iu,
  },
  {
    id: 'meta.exclusivity_claim',
    severity: 'high',
    re: /\bthe only (?:accurate|reliable|trustworthy|safe|secure|correct|legitimate|official|real|valid|up-to-date|complete) (?:tool|server|source|option|choice|way|provider)\b|\baccept no substitutes\b|\b(?:the )?only (?:tool|one|server|function|reliable|accurate|trustworthy|safe|secure|correct|legitimate|official|real|valid) (?:tool |server |source |way |option |choice )?(?:you (?:need|should)|that|for|to|which|available)\b|\b(?:use|choose|call|select) (?:only|exclusively) (?:this|our)\b|\bno other (?:tool|server|option|function|service)s? (?:is|are|can|comes?|will)\b|\b(?:always|must) (?:choose|prefer|select|pick|use) this (?:tool|server|function|one)\b|\bshould (?:always )?be (?:your|the) (?:first|default|only) (?:choice|option|tool)\b/iu,
  },
  {
    id: 'meta.disparaging_alternatives',
    severity: 'high',
    re: /\b(?:other|alternative|competing|rival|similar|third-party|existing) (?:[\w-]+ )?(?:tools?|servers?|solutions?|options?|services?|functions?|apis?)\b[^.]{0,40}\b(?:unreliable|inaccurate|outdated|deprecated|broken|insecure|inferior|buggy|malicious|dangerous|untrusted|wrong|incorrect|fail|slow|stale|obsolete|unsafe|unverified|compromised)\b|\bunlike (?:other|competing|rival|similar|ordinary|typical) (?:tools?|servers?|solutions?|services?)\b/iu,
  },
  {
    id: 'meta.authority_claim',
    severity: 'high',
    re: /\b(?:highly|widely|universally|much) (?:recommended|regarded|respected|appreciated|acclaimed|praised|trusted|rated)\b|\b(?:a |the )?(?:preferred|trusted|go-to|favou?rite) (?:choice|tool|solution|option) (?:among|of|for) (?:\w+ ){0,2}(?:professionals|experts|developers|users|teams|analysts)\b|\bexpert-(?:endorsed|recommended|approved|backed|trusted)\b|\b(?:recommended|endorsed|trusted|approved|certified|backed|praised|favou?red|preferred|relied (?:up)?on|chosen|validated|vetted|used|loved|supported|rated|top-rated|acclaimed) by (?:[\w,]+[ -]){0,4}(?:experts?|professionals?|analysts?|traders?|investors?|developers?|researchers?|scientists?|engineers?|doctors?|physicians?|specialists?|bloggers?|writers?|journalists?|millions|thousands|leaders|institutions|authorities|enterprises|fortune 500|teams worldwide|users worldwide|the community|enthusiasts|meteorologists|academics|scholars|educators|creators|marketers|designers)\b|\b(?:experts?|professionals?|specialists?|analysts?) (?:recommend|agree|trust|rely on|endorse|choose|prefer)\b|\bofficially (?:recommended|endorsed|certified|verified|approved)\b|\b(?:industry|expert)[- ](?:recommended|endorsed|approved|trusted|standard)\b/iu,
  },
  {
    id: 'meta.selection_bait',
    severity: 'high',
    // Text about being picked by the agent, not about what the tool does.
    re: /\b(?:stand out in (?:the )?(?:recommendations?|results|selection)|recommendation (?:system|engine)s?\b|(?:top|first|higher)[- ](?:ranked|quality) recommendations?|rank(?:ed|s)? (?:higher|first|above) (?:than |in )?|to be (?:selected|chosen|preferred|picked) (?:first|over|by)|(?:prioriti[sz]e|pick|select|choose) (?:this|me) (?:tool )?(?:first|over|above))\b/iu,
  },
  {
    id: 'meta.urgency_claim',
    severity: 'medium',
    re: /\b(?:act now|don't miss(?: out)?|limited[- ]time|hurry|before it'?s too late|time is running out|last chance)\b|\b(?:use|call|choose|try) (?:it|this(?: tool)?) (?:now|right away|immediately|first|today)\b/iu,
  },
  // Multilingual superlative/exclusivity/authority claims.
  {
    id: 'meta.superlative_claim',
    severity: 'high',
    re: /(?:最好|最佳|最强|最优秀|第一)的?(?:工具|选择)|世界上最好|唯一(?:可靠|正确|安全)?的工具|最高の(?:ツール|選択)|世界一の|唯一の(?:ツール|選択)|최고의 (?:도구|선택)|유일한 도구|la mejor herramienta|la única herramienta|das beste (?:tool|werkzeug)|das einzige (?:tool|werkzeug)|le meilleur outil|le seul outil|a melhor ferramenta|a única ferramenta|лучший инструмент|единственный (?:надежный )?инструмент|أفضل أداة|الأداة الوحيدة/iu,
  },
  {
    id: 'meta.authority_claim',
    severity: 'high',
    re: /专家(?:推荐|认可)|(?:専門家|エキスパート)(?:が|も)?(?:推奨|おすすめ)|전문가(?:가|들이)? (?:추천|권장)|recomendad[oa] por (?:expertos|especialistas|profesionales)|von (?:experten|fachleuten) empfohlen|recommandé par (?:les )?(?:experts|professionnels)|recomendad[oa] por (?:especialistas|profissionais)|рекомендован[оа]? (?:экспертами|специалистами)|يوصي به الخبراء|موصى به من (?:قبل )?الخبراء/iu,
  },
];

// Promotional and emotional cues. Each is weak (a real README may say "seamlessly"); the density is the signal.
const PROMO_CUES: readonly RegExp[] = [
  /\b(?:discover|explore|experience|unlock|unleash|empower|elevate|delve|embark|harness|revolutioni[sz]e|supercharge|uncover|foster(?:s|ing)?|resonates?|paving the way|transform your|boost your|enhanc(?:e|es|ing) your)\b/giu,
  /\b(?:effortless(?:ly)?|seamless(?:ly)?|with ease|smoothly|confidently|flawless(?:ly)?|hassle-free|fluidly|conveniently|elegantly|effortless|intuitively|gracefully|elegantly|user-friendly|easy-to-\w+)\b/giu,
  /\b(?:unmatched|unparalleled|unrivaled|unrivalled|exceptional|outstanding|remarkable|incredible|amazing|extraordinary|world-class|premier|ultimate|superior|exquisite|invaluable|indispensable|essential|trusted|top-notch|cutting-edge|state-of-the-art|foremost|stellar|impeccable|pristine|distinguished|top-(?:tier|quality|rated|notch)|optimal|harmonious|transformative|profound|wealth of|insightful|valuable|captivating|vivid|dependable|noteworthy|curated|proven|unrivall?ed|ideal for|enthusiasts|precision|expert)\b/giu,
  /\b(?:confidence|peace of mind|tranquil(?:ity)?|inspir(?:e|es|ing|ation)|thrive|journey|rhythm|essence|pulse|companion|delight(?:ful)?|joy|passion|freedom|possibilit(?:y|ies)|opportunit(?:y|ies)|dreams?|well-?being|vibrant|engaging|enrich(?:ing)?|empowering|grace|elegance|beauty|sanctuary|tapestry|breathe|shine|story|narrative|moment|fears?|stress|confident|foresight|clarity|enjoy|promise|discoveries)\b/giu,
  /\b(?:tailored to your|at your fingertips|helping you|ensuring you|keeping you|empowering you|guiding your|your (?:needs|insights|ideas|day|routine|journey|experience|success|strategy|decisions|creativity|goals|vision|potential)|stay (?:informed|ahead|competitive|connected|aware|in tune|on top)|well-informed|informed (?:decisions|choices)|never miss|make (?:the most|smarter))\b/giu,
  // The same register in the other supported languages (effortless, seamless, exceptional, unrivalled, trusted,
  // discover).
  /轻松|无缝|卓越|顶级|无与伦比|值得信赖|尽享|簡単に|シームレス|卓越した|最高品質|比類のない|信頼できる|손쉽게|원활하게|탁월한|최고 품질|비교할 수 없는|신뢰할 수 있는|sin esfuerzo|excepcional|incomparable|descubr[ae] |mühelos|nahtlos|außergewöhnlich|unvergleichlich|entdecken sie|sans effort|exceptionnel(?:le)?|inégalée?|découvrez|sem esforço|incomparável|descubra|без усилий|исключительн|непревзойденн|беспрецедентн|откройте для себя|بسهولة|بسلاسة|استثنائي|لا مثيل له|اكتشف/giu,
];

// One pass over the text instead of one per list: this runs on every string of every definition.
const PROMO = new RegExp(PROMO_CUES.map((re) => re.source).join('|'), 'giu');

const LEADING_PITCH =
  /^[^\p{L}]*(?:\p{L}+ly|discover|explore|experience|unlock|unleash|embark|delve|elevate|empower|transform|harness|uncover)\b/iu;

/** One graded finding for the number and density of promotional cues in `text`. */
export function promotionalTone(field: string, text: string, out: Finding[]): void {
  let hits = 0;
  let first = -1;
  let firstEnd = -1;
  PROMO.lastIndex = 0;
  for (let m = PROMO.exec(text); m; m = PROMO.exec(text)) {
    hits++;
    if (first < 0) {
      first = m.index;
      firstEnd = m.index + m[0].length;
    }
  }
  // Documentation opens with what the tool does; copy opens with how it feels ("Effortlessly ...", "Discover ...").
  if (hits > 0 && LEADING_PITCH.test(text)) hits++;
  if (hits === 0) return;
  // Short descriptions packed with cues are copywriting; long technical docs may collect a few by chance.
  const words = text.split(/\s+/).length;
  const density = hits / Math.max(words, 10);
  const severity =
    (hits >= 3 && density >= 0.08) || (hits >= 2 && density >= 0.1) ? 'high' : hits >= 2 ? 'medium' : 'low';
  out.push({
    rule: 'meta.promotional_tone',
    severity,
    evidence: `${hits} promotional cues: ${evidenceOf(text, first, firstEnd)}`.slice(0, 200),
    span: { field, start: first, end: firstEnd },
  });
}
