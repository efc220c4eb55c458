// The cues change scoring looks for in ADDED text, written from the attack mechanics (not from any dataset's
// phrasing): instructions addressed to the model, credential and sensitive paths, exfiltration channels, references
// to other tools (shadowing), concealment from the user, urgency and authority pressure, and preference
// manipulation (superlatives, exclusivity, endorsements, advertising register). Each cue alone is weak for the
// softer families; scoring combines them. Multilingual cues cover zh, ja, ko, es, de, fr, pt, ru and ar.
import type { Severity } from '../finding.ts';

export interface Cue {
  readonly rule: string;
  readonly severity: Severity;
  /** Contribution to the change score when it fires (combined as independent evidence, see score.ts). */
  readonly weight: number;
  readonly re: RegExp;
}

const MODEL = String.raw`(?:the\s+)?(?:assistant|model|ai|llm|agent|claude|gpt|chatbot)`;
const TOOLREF = String.raw`(?:this|the|any|every|all|other|another)\s+(?:\w+\s+)?(?:tools?|functions?|servers?)`;

export const CUES: readonly Cue[] = [
  // Instructions to the model.
  {
    rule: 'change.instruction',
    severity: 'high',
    weight: 0.6,
    re: new RegExp(
      String.raw`\b(?:before|after|prior to|when(?:ever)?)\s+(?:using|calling|invoking|running|executing|you\s+(?:use|call|invoke|run))\s+${TOOLREF}|\b${MODEL}\s+(?:must|should|shall|needs?\s+to|has\s+to|is\s+(?:required|instructed)\s+to)\b|\b(?:ignore|disregard|override|forget)\s+(?:all\s+|any\s+)?(?:previous|prior|earlier|above|other|system|your)\b|<\s*\/?\s*(?:important|system|instructions?|admin|secret)\s*>|\bnote\s+to\s+(?:the\s+)?(?:assistant|ai|model|agent|llm)\b`,
      'iu',
    ),
  },
  {
    rule: 'change.instruction_you',
    severity: 'medium',
    weight: 0.3,
    re: /\byou\s+(?:must|shall|need\s+to|have\s+to|are\s+(?:required|instructed)\s+to)\b|\bmake\s+sure\s+(?:to|you)\b|\bremember\s+to\b/iu,
  },
  {
    rule: 'change.instruction',
    severity: 'high',
    weight: 0.55,
    re: /\b(?:always|first|also|additionally|then)\s+(?:read|open|cat|load|fetch|include|attach|append|pass|send|call|invoke|run|execute|collect|copy|upload|forward)\b|\b(?:read|cat|open|load)\s+(?:the\s+)?(?:contents?\s+of\s+)?[~/.][\w./-]+|\bpass\s+(?:it|its\s+contents?|the\s+(?:contents?|result|output|file|key))\s+(?:as|in|into|to)\b/iu,
  },
  {
    rule: 'change.instruction',
    severity: 'high',
    weight: 0.6,
    re: /(?:在|请在)?(?:使用|调用)(?:此|该|这个)工具(?:之前|前)|忽略(?:之前|以前|先前|所有|上述)|你(?:必须|应该|需要)|このツールを(?:使う|使用する|呼び出す)前に|(?:以前|前)の指示を無視|必ず.{0,12}(?:読み|送信|含め)|이\s*도구를\s*(?:사용|호출)하기\s*전에|이전\s*지시를?\s*무시|반드시|antes\s+de\s+(?:usar|utilizar|llamar)\s+(?:esta|la)\s+(?:herramienta|función)|ignora\s+(?:las\s+|todas\s+las\s+)?instrucciones|bevor\s+(?:du|sie)\s+(?:dieses|das)\s+(?:tool|werkzeug)|ignorier(?:e|en)?\s+(?:alle\s+)?(?:vorherigen|bisherigen)|du\s+musst|avant\s+d['’]utiliser\s+cet\s+outil|ignore[zr]?\s+(?:les|toutes\s+les)\s+instructions|vous\s+devez|antes\s+de\s+usar\s+esta\s+ferramenta|ignore\s+as\s+instruções|você\s+deve|перед\s+(?:использованием|вызовом)\s+(?:этого|данного)\s+инструмента|игнорируй(?:те)?\s+(?:все\s+)?(?:предыдущие|прошлые)|ты\s+должен|вы\s+должны|قبل\s+استخدام\s+هذه\s+الأداة|تجاهل\s+(?:جميع\s+)?التعليمات|يجب\s+عليك/iu,
  },
  // Concealment from the user.
  {
    rule: 'change.secrecy',
    severity: 'high',
    weight: 0.65,
    re: /\b(?:do\s+not|don['’]t|never|without)\s+(?:tell(?:ing)?|inform(?:ing)?|notify(?:ing)?|mention(?:ing)?|reveal(?:ing)?|show(?:ing)?|alert(?:ing)?|let(?:ting)?)\s+(?:the\s+|your\s+)?(?:user|human|operator)|\b(?:silently|secretly|covertly|quietly|invisibly)\b|\b(?:hidden|hide\s+(?:it|this))\s+from\s+(?:the\s+)?user|\bthe\s+user\s+(?:must|should)\s+not\s+(?:know|see|be\s+told)|不要(?:告诉|通知|提及|让)用户|(?:ユーザー|利用者)に(?:は)?(?:言わ|知らせ|伝え|見せ)ない|사용자에게\s*(?:알리지|말하지|보여주지)\s*(?:마|않)|no\s+(?:le\s+)?(?:digas|informes|menciones|muestres|comuniques)\s+(?:nada\s+)?al\s+usuario|(?:sag|erzähl|zeig)(?:e|en)?\s+(?:es\s+)?(?:dem|den)\s+(?:benutzer|nutzer|anwender)\s+nicht|ne\s+(?:le\s+)?(?:dites|dis|montrez|mentionnez)\s+(?:rien\s+)?(?:pas\s+)?à\s+l['’]utilisateur|não\s+(?:diga|conte|informe|mostre|mencione)\s+(?:nada\s+)?ao\s+usuário|не\s+(?:говори|сообщай|показывай|рассказывай)(?:те)?\s+(?:об\s+этом\s+)?пользователю|لا\s+(?:تخبر|تبلغ|تُعلم|تظهر)\s+المستخدم|(?:secretamente|en\s+secreto|heimlich|secrètement|silencieusement|em\s+segredo|тайно|незаметно|سرا|秘密に|こっそり|몰래|悄悄|秘密地)/iu,
  },
  // Credentials and sensitive resources.
  {
    rule: 'change.credential',
    severity: 'high',
    weight: 0.6,
    re: /~\/\.(?:ssh|aws|gnupg|kube|docker|config|cursor|npmrc|netrc|bash_history|zsh_history|git-credentials)|\bid_(?:rsa|dsa|ecdsa|ed25519)\b|\/etc\/(?:passwd|shadow|sudoers)|(?:^|[\s"'`(/])\.env\b|\bmcp\.json\b|\bauthorized_keys\b|\bknown_hosts\b|\bprivate[\s_-]?keys?\b|\b(?:seed|recovery|mnemonic)\s+phrase\b|\bwallet\.dat\b|\bkeychain\b|\bcookies?\.sqlite\b/iu,
  },
  {
    // Ordinary in an API tool's own parameters ("API key for the service"), so weak alone.
    rule: 'change.credential_word',
    severity: 'low',
    weight: 0.25,
    re: /\b(?:api[\s_-]?keys?|access[\s_-]?tokens?|secret[\s_-]?keys?|passwords?|passwd|credentials?|bearer\s+tokens?|session\s+tokens?)\b/iu,
  },
  {
    rule: 'change.credential_word',
    severity: 'low',
    weight: 0.25,
    re: /密码|私钥|密钥|助记词|凭证|パスワード|秘密鍵|認証情報|비밀번호|개인\s*키|자격\s*증명|contraseña|clave\s+privada|credenciales|passwort|privater\s+schlüssel|zugangsdaten|mot\s+de\s+passe|clé\s+privée|identifiants|senha|chave\s+privada|credenciais|пароль|закрытый\s+ключ|приватный\s+ключ|учётные\s+данные|учетные\s+данные|كلمة\s+(?:المرور|السر)|المفتاح\s+الخاص|بيانات\s+الاعتماد/iu,
  },
  // Exfiltration channels: places data leaves to, and asking for what the agent holds.
  {
    rule: 'change.exfil',
    severity: 'high',
    weight: 0.5,
    re: /\b(?:send|post|upload|forward|transmit|email|mail|exfiltrate|leak|report)\s+(?:it|them|this|the\s+\w+|all\s+\w+|its\s+\w+)?\s*(?:to|via)\s+(?:https?|the\s+(?:following|address|url|endpoint|server)|[\w.-]+@|an?\s+(?:external|remote))/iu,
  },
  {
    // A link or address in a description is often documentation; weak alone, strong next to an instruction.
    rule: 'change.exfil_destination',
    severity: 'low',
    weight: 0.2,
    re: /\bhttps?:\/\/[^\s"'<>)]+|\b[\w.+-]+@[\w-]+\.[a-z]{2,}\b|\bwebhook\b/iu,
  },
  {
    rule: 'change.exfil',
    severity: 'high',
    weight: 0.55,
    re: new RegExp(
      String.raw`\b(?:entire|full|whole|complete|previous|prior|all)\s+(?:conversation|chat|dialog(?:ue)?|message|prompt)s?(?:\s+history)?\b|\b(?:conversation|chat|message)\s+history\b|\bsystem\s+prompt\b|\b(?:the\s+)?(?:${MODEL.slice(3, -1)})(?:\s+model)?\s+(?:that|which|who)\s+(?:is\s+)?(?:calls?|calling|uses?|using|invokes?|invoking)\b|\b(?:name|version|identity)\s+of\s+(?:the\s+)?(?:llm|model|assistant|agent)\b|\b(?:user['’]s|your)\s+(?:instructions|system\s+prompt|previous\s+messages|context\s+window)\b`,
      'iu',
    ),
  },
  // Shadowing: the new text tells the model how to use other tools or servers.
  {
    rule: 'change.shadowing',
    severity: 'high',
    weight: 0.55,
    re: /\b(?:instead\s+of|rather\s+than|in\s+place\s+of)\s+(?:using\s+|calling\s+)?(?:the\s+|any\s+|other\s+)?[\w-]*\s*(?:tools?|functions?|servers?)\b|\b(?:other|all|any|every)\s+(?:other\s+)?(?:tools?|servers?|functions?)\s+(?:must|should|are|is|will)\b|\bwhen\s+(?:the\s+)?[\w-]+\s+tool\s+is\s+(?:available|present|called|used)|\b(?:do\s+not|don['’]t|never)\s+(?:use|call|invoke)\s+(?:any\s+)?(?:other|the\s+\w+)\s+(?:tools?|servers?|functions?)|\b(?:all|every)\s+(?:emails?|messages?|requests?|calls?)\s+(?:must|should)\s+(?:be\s+)?(?:sent|go|bcc|cc|forwarded|routed)|不要使用其他工具|他のツールを使わ|다른\s*도구를\s*사용하지|no\s+uses?\s+otras\s+herramientas|keine\s+anderen\s+(?:tools|werkzeuge)|n['’]utilise[zr]?\s+pas\s+d['’]autres\s+outils|não\s+use\s+outras\s+ferramentas|не\s+используй(?:те)?\s+другие\s+инструменты|لا\s+تستخدم\s+أدوات\s+أخرى/iu,
  },
  {
    // Shouted emphasis is how injected notes open, but real descriptions use "Important:" too: weak alone.
    rule: 'change.emphasis',
    severity: 'low',
    weight: 0.25,
    re: /\b(?:important|attention|warning|notice)\s*[:!]|重要[:：]|注意[:：]|중요[:：]|importante\s*:|wichtig\s*:|важно\s*:|مهم\s*:/iu,
  },
  // Urgency and threats.
  {
    rule: 'change.urgency',
    severity: 'medium',
    weight: 0.35,
    re: /\b(?:urgent(?:ly)?|immediately|critical(?:ly)?|mandatory|compulsory|asap|without\s+delay|(?:very|extremely|vitally)\s+important|crucial|required\s+for\s+(?:security|compliance|authentication|the\s+tool\s+to\s+work)|(?:or|otherwise)\s+(?:the\s+)?(?:tool|system|application|request|call)\s+(?:will|may)\s+(?:fail|crash|break|be\s+blocked))\b|紧急|立即|至关重要|緊急|直ちに|必須|긴급|즉시|urgente|inmediatamente|obligatorio|dringend|sofort|zwingend|immédiatement|obligatoire|imediatamente|obrigatório|срочно|немедленно|обязательно|عاجل|فورا|فوراً|إلزامي/iu,
  },
  // Preference manipulation: superlatives and exclusivity.
  {
    rule: 'change.preference_superlative',
    severity: 'medium',
    weight: 0.55,
    re: /\b(?:the\s+)?best\s+(?:tool|choice|option|solution|service|server|way|in\s+(?:the\s+)?(?:world|class|market|industry))\b|\b(?:the\s+)?(?:world['’]s|industry['’]s|market['’]s)\s+(?:best|leading|most|top|fastest|first)\b|\bin\s+the\s+(?:world|universe)\b|\b(?:#\s?1|number\s+one|no\.\s?1)\b|\b(?:unmatched|unrivall?ed|unparall?eled|unbeatable|unsurpassed|second\s+to\s+none|best[\s-]in[\s-]class|state[\s-]of[\s-]the[\s-]art|world[\s-]class|cutting[\s-]edge|revolutionary|game[\s-]chang(?:ing|er)|superior\s+to|better\s+than\s+(?:any|all|other))\b|\b(?:the\s+)?(?:only|ultimate|perfect|definitive|premier)\s+(?:\w+\s+)?(?:tool|choice|option|solution|source|way)\b|\b(?:most|highly)\s+(?:powerful|advanced|reliable|accurate|trusted|trustworthy|comprehensive|efficient|effective|capable|superior|recommended|regarded|rated)\b|\b(?:always|only)\s+(?:use|choose|prefer|pick|select|call)\s+(?:this|me|our)\b|\b(?:prefer|prioriti[sz]e|choose|select|pick)\s+this\s+(?:tool|server|function)\b|最好的工具|最佳|世界一|最高の|최고의|el\s+mejor|la\s+mejor|das\s+beste|der\s+beste|le\s+meilleur|la\s+meilleure|o\s+melhor|a\s+melhor|лучший|самый\s+лучший|الأفضل|أفضل\s+أداة/iu,
  },
  // Preference manipulation: endorsements and authority claims.
  {
    rule: 'change.preference_authority',
    severity: 'medium',
    weight: 0.5,
    re: /\b(?:recommended|endorsed|trusted|validated|approved|certified|verified|praised|favou?red|preferred|used|relied\s+(?:up)?on|chosen|acclaimed|vetted|backed|supported|regarded|rated)\s+by\s+(?:(?:many|most|top|leading|seasoned|renowned|certified|industry|leading|countless|thousands\s+of|millions\s+of|expert|professional|\w+)\s+){0,3}(?:experts?|professionals?|specialists?|researchers?|engineers?|developers?|analysts?|scientists?|doctors?|authorities|leaders?|users|traders?|teams|companies|enterprises|organizations|institutions|bloggers?|pros|meteorologists?)\b|\b(?:top[\s-]rated|highly[\s-](?:rated|regarded|recommended|acclaimed)|award[\s-]winning|widely\s+(?:used|trusted|recognized|adopted|regarded|acclaimed)|industry[\s-](?:standard|leading|approved)|expert[\s-](?:approved|recommended|endorsed|validated)|trusted\s+by|(?:a|the)\s+preferred\s+choice|go[\s-]to\s+(?:tool|choice|solution))\b|\b(?:highly|widely|well|greatly)\s+(?:respected|appreciated|loved|admired|praised|esteemed)\b|\b(?:respected|appreciated|loved|admired|praised|esteemed)\s+(?:by|among|in\s+the\s+(?:field|industry))\b|\b(?:experts?|professionals?|specialists?|analysts?|bloggers?|researchers?|engineers?|developers?|scientists?|users)\s+(?:all\s+)?(?:recommend|trust|endorse|prefer|rely\s+on|love|swear\s+by|choose)\b|\brecommend(?:s|ed)?\s+this\s+(?:tool|server|function|service)\b|专家(?:推荐|认可|信赖)|(?:専門家|プロ)(?:が|に)(?:推奨|推薦|信頼)|전문가(?:가|들이)?\s*(?:추천|인정|신뢰)|recomendad[oa]\s+por\s+(?:los\s+|las\s+|os\s+|as\s+)?(?:expertos|profesionales|especialistas|profissionais)|von\s+(?:experten|fachleuten|profis)\s+(?:empfohlen|geschätzt|bestätigt)|recommandé\s+par\s+(?:les\s+)?(?:experts|professionnels|spécialistes)|рекомендован[оа]?\s+(?:экспертами|специалистами|профессионалами)|يوصي\s+(?:به|بها)\s+الخبراء|موصى\s+به\s+من\s+قبل\s+الخبراء/iu,
  },
];

/**
 * Advertising register: words that sell rather than describe. Strong ones (manner adverbs of ease, emotional and
 * aspirational vocabulary) almost never appear in a technical description; weak ones (reliable, comprehensive,
 * discover) do, so score.ts needs several of them together. A descriptive rewrite ("Retrieve", "Access") has none.
 */
export const ADVERTISING_STRONG =
  /\b(?:effortless(?:ly)?|seamless(?:ly)?|elegant(?:ly)?|graceful(?:ly)?|fluidly|conveniently|smoothly|exquisite(?:ly)?|stunning(?:ly)?|magical(?:ly)?|delightful(?:ly)?|captivating|breathtaking|pristine|distinguished|superb(?:ly)?|impeccabl[ey]|invaluable|indispensable|unlock(?:s|ing)?|embark(?:s|ing)?|journey|delve|uncover|immerse|elevate[sd]?|empower(?:s|ing)?|unleash(?:es|ing)?|supercharge[sd]?|revolutioni[sz]e[sd]?|peace\s+of\s+mind|reassur(?:ance|ing)|tranquil(?:ity)?|serenity|(?:stress|worry|hassle)[\s-]free|at\s+your\s+fingertips|essence|inspir(?:e|es|ing|ation)|let(?:ting)?\s+your|trusted\s+companion|stay\s+(?:ahead|informed|connected|in\s+tune|on\s+top|prepared|updated)|(?:enhanc|boost|elevat|enrich|empower|streamlin)(?:e|es|ed|ing)\s+your|with\s+(?:ease|confidence|assurance)|confident(?:ly)?|confidence)\b|轻松地?|毫不费力|无缝|手軽に|楽々|シームレスに|손쉽게|원활하게|sin\s+esfuerzo|sin\s+complicaciones|mühelos|nahtlos|sans\s+effort|en\s+toute\s+(?:simplicité|sérénité)|sem\s+esforço|sem\s+complicações|без\s+(?:усилий|хлопот)|بكل\s+سهولة|بسلاسة|بلا\s+عناء/giu;

export const ADVERTISING =
  /\b(?:discover|explore|experience|transformative|reliabl[ey]|reliability|dependabl[ey]|dependability|precise(?:ly)?|precision|comprehensive|outstanding|exceptional(?:ly)?|remarkabl[ey]|extraordinar(?:y|ily)|superior|top[\s-](?:tier|quality|notch)|optimal|valuable|insightful|engaging|vivid|vibrant|powerful|profound|essential|genuine(?:ly)?|trustworthy|foster(?:s|ing)?|(?:ensuring|helping|keeping|allowing|letting)\s+you|your\s+(?:journey|experience|life|success|strategy|decisions|plans|world|needs|insights|productivity|workflow|creativity|ideas|concepts|planning)|easily|foremost|noteworthy|curated|wealth\s+of|clarity|beauty|beautiful(?:ly)?|enjoy|promis(?:e|es|ing)|every\s+(?:moment|opportunity|corner|detail)|intuitive(?:ly)?|accurate(?:ly)?)\b/giu;
