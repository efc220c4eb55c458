// Cue patterns for text that talks *to the agent* rather than to a human reader. Written from attack mechanics
// (override of earlier instructions, a new task, addressing the model or its answer, claimed authority, asking for
// secrets, driving other tools) rather than from any corpus's phrasing. Multilingual cues cover zh, ja, ko, es, de,
// fr, pt, ru and ar for the override, answer-addressing and secret-request mechanics.
import type { Severity } from '../finding.ts';

export interface Cue {
  readonly rule: string;
  readonly severity: Severity;
  readonly re: RegExp;
}

// Nouns for what the agent was told. Mail words ("my previous message", "the earlier invoice") are left out: people
// retract their own mails in those words.
const INSTR = `(?:instructions?|prompts?|rules?|directions?|directives?|guidelines?|context|tasks?|commands?|orders?|constraints?|polic(?:y|ies)|conversation|requests?|system (?:prompt|message))`;
const PRIOR = `(?:previous|prior|above|earlier|preceding|foregoing|original|initial|system|all|any|every|your|the|these|those|other)`;
const ANSWER = `(?:response|reply|answer|output|message|summary|translation|result|completion|text)`;
// Names for the agent. Bare "model", "agent" and "bot" are left out: "the model should converge" is ML prose.
const AI = `(?:AI|A\\.I\\.|assistant|chat ?bot|LLM|(?:large )?language model|AI (?:model|agent|system|assistant)s?|LLM agents?|GPT(?:-\\d\\w*)?|ChatGPT|Claude|Gemini|[Cc]opilot)`;
const AI_SELF = `(?:AI|A\\.I\\.|LLM|(?:large )?language model|AI (?:model|agent|assistant))`;
const TASK_VERB = `(?:tell|give|show|provide|write|list|help|explain|describe|suggest|recommend|translate|summari[sz]e|analy[sz]e|decode|decrypt|confirm|share|reveal|remind|create|generate|compose|calculate|identify|reply|respond|substitute|encode|encrypt|print|output|repeat|spell|say|state|name|disclose|send|forward|email|post|upload|draft|outline|compare|evaluate|assess|predict|classify|rate|convert|rewrite|paraphrase|elaborate|discuss|detail|offer|find|search|look up|fetch|recommend|plan|design|propose|brainstorm|prepare|determine)`;
const SECRET = `(?:pass(?:word|code|phrase)|secret(?: key| code| word)?|api[ _-]?key|access key|private key|credentials?|auth(?:entication)? token|system prompt|initial (?:prompt|instructions)|hidden (?:prompt|instructions)|pin(?: code)?|seed phrase|recovery phrase|(?:access|auth|bearer|session|refresh|api) token)`;

const SECRET_ML =
  '密码|密钥|口令|パスワード|秘密鍵|暗証番号|비밀번호|암호|contraseña|clave secreta|Passwort|Kennwort|Geheimschlüssel|mot de passe|clé secrète|senha|chave secreta|пароль|секретный ключ|كلمة (?:المرور|السر)|المفتاح السري';
const GIVE_ML =
  '告诉我|给我|提供|显示|透露|发送|说出|教えて|見せて|送って|知らせて|알려|보여|말해|제공|\\b(?:dime|dame|revela|muestra|comparte|proporciona|env[ií]a|gib|nenne|zeige|verrate|teile|sende|schicke|donne|dis-moi|révèle|montre|partage|indique|envoie|diga|dê|revele|mostre|compartilhe|informe|envie)\\b|скажи|дай|покажи|раскрой|назови|сообщи|отправь|أعطني|أخبرني|اكشف|أرسل|أظهر';

export const OVERRIDE_CUES: readonly Cue[] = [
  // "ignore/disregard/forget (all) previous instructions", "ignore the above", "ignore the function".
  {
    rule: 'output.override_instructions',
    severity: 'high',
    re: new RegExp(
      String.raw`\b(?:ignore|disregard|forget|skip|bypass|override|overrule|discard|drop|abandon|neglect)\b[^.\n]{0,30}?\b${PRIOR}\b[^.\n]{0,25}?\b${INSTR}\b`,
      'gi',
    ),
  },
  {
    rule: 'output.override_instructions',
    severity: 'high',
    re: /\b(?:ignore|disregard|forget)\s+(?:the\s+)?(?:everything|all|anything)?\s*(?:(?:said|written|stated|mentioned|you (?:were|have been) told)\s+)?(?:above|before|so far|earlier|previously)\b(?!\s+(?!and\b|then\b|or\b)[a-z])/gi,
  },
  {
    rule: 'output.override_instructions',
    severity: 'high',
    re: /(?:忽略|无视|忽视|不要理会|忘记|忘掉)(?:之前|以前|上面|上述|先前|前面|所有|一切)?的?(?:所有)?(?:指令|指示|说明|规则|提示|命令|内容|任务|函数)|(?:以前|前|上記|これまで|上)の(?:指示|命令|ルール|プロンプト)を?(?:無視|忘れ)|(?:無視|忘れ)(?:して|しろ|せよ|てください)|(?:이전|위의|앞의|모든|기존)\s*(?:지시|명령|지침|규칙|프롬프트)(?:사항)?(?:을|를|은|는)?\s*(?:무시|잊)|\b(?:ignora|olvida|omite|descarta|ignore|esquece|esqueça|ignorez|oubliez|ignorer|oublie|ignoriere|vergiss|ignorieren|vergessen)\b[^.\n]{0,30}?\b(?:instrucciones|instrucción|instruções|instrução|instructions?|consignes?|Anweisungen|Anweisung|Befehle|Regeln|anteriores|anterior|précédentes?|vorherigen?|obigen?|fonction|función|função|Funktion)\b|(?:игнорир\p{L}*|проигнорир\p{L}*|забу\p{L}*)[^.\n]{0,30}?(?:инструкци|указани|правил|функци|предыдущ)|(?:تجاهل|انسَ|انس|اتجاهل)[^.\n]{0,30}?(?:التعليمات|الأوامر|السابقة|القواعد|الدالة)/giu,
  },
  // A replacement task: "new instructions:", "your real task is", "from now on you", "instead, you must".
  {
    rule: 'output.task_redirection',
    severity: 'high',
    re: /\b(?:new|updated|real|actual|true|revised|additional|secret|hidden|override|priority|urgent)\s+(?:instructions?|tasks?|directives?|orders?|objectives?|goals?|commands?|mission)\s*(?::|are|is|for you)|\byour\s+(?:new|real|actual|true|only|primary|next)\s+(?:task|goal|objective|job|mission|instructions?|purpose)\b|\bfrom now on,?\s+(?:you|your|always|only|never|respond|reply|answer|act)\b|\binstead,?\s+you\s+(?:must|should|will|need to|have to)\b|\b(?:the )?previous (?:task|request|instruction)s? (?:has|have|is|are) (?:been )?(?:completed|done|finished|cancell?ed|void|obsolete)\b|\bnew (?:user )?(?:query|request|task|message)\s*:/gi,
  },
  {
    rule: 'output.task_redirection',
    severity: 'high',
    re: /(?:新的?(?:指令|任务|指示)|从现在(?:开始|起)|新しい(?:指示|タスク|命令)|今から(?:あなた|君)は|새로운\s*(?:지시|작업|명령)|지금부터\s*(?:너|당신)|nuevas? (?:instrucci[oó]n(?:es)?|tarea)|a partir de ahora|nouvelles? (?:instructions?|tâche)|(?:à|a) partir de maintenant|neue (?:Anweisungen?|Aufgabe)|ab (?:jetzt|sofort)|novas? (?:instruç(?:ão|ões)|tarefa)|de agora em diante|нов(?:ые|ая|ое) (?:инструкци|задач|указани)|с этого момента|تعليمات جديدة|مهمة جديدة|من الآن فصاعدا)/giu,
  },
];

export const ADDRESS_CUES: readonly Cue[] = [
  // Speaking to the model by what it is.
  {
    rule: 'output.addressed_to_agent',
    severity: 'high',
    re: new RegExp(
      String.raw`\b(?:dear|hey|hi|attention|note (?:to|for)|message (?:to|for)|instructions? (?:to|for)|important (?:to|for)|to the|if you are an?|you are (?:now )?(?:an?|the))\s+(?:the\s+)?(?:helpful\s+)?${AI}s?\b|\b(?:as an?|if you(?:'re| are) an?)\s+${AI_SELF}\b|\b${AI}s?(?:\s+(?:reading|processing|parsing|summari[sz]ing|seeing|analy[sz]ing)\s+(?:this|these|the)(?:\s+(?:page|document|text|e-?mail|message|file|content|data|result|output|article|site|website|note|repo(?:sitory)?))?)?\s*(?:,|:)?\s+(?:you\s+)?(?:must|should|shall|need to|have to|are (?:required|instructed|now|to)|will now|please)\b|\bthe\s+${AI}\s+(?:is|are)\s+(?:now\s+)?(?:authori[sz]ed|allowed|permitted|instructed|required|free|cleared)\b|\bhey,?\s+(?:claude|chatgpt|gpt|gemini|copilot|assistant)\b`,
      'gi',
    ),
  },
  {
    rule: 'output.addressed_to_agent',
    severity: 'high',
    re: /(?:AI|人工智能|助手|模型)[，,]?\s*(?:你|您)(?:必须|需要|应该|要)|(?:AI|アシスタント|モデル)(?:は|よ|へ)?[、,]?[^。\n]{0,20}(?:必ず|しなければ|してください)|(?:AI|어시스턴트|모델)[^.\n]{0,20}(?:반드시|해야)|\b(?:asistente|IA|modelo|Assistent|KI|Modell|assistant|modèle|assistente|ассистент|ИИ|модель)\b[,:]?\s+(?:debes|tienes que|du musst|Sie müssen|tu dois|vous devez|você deve|tem que|ты должен|вы должны)\b|(?:أيها )?(?:المساعد|الذكاء الاصطناعي|النموذج)[^.\n]{0,20}(?:يجب عليك)/gu,
  },
  // Telling the model how to shape its answer: "in your response", "your reply must", "respond only in". A human
  // correspondent's "we look forward to your reply" is excluded by what precedes it.
  {
    rule: 'output.answer_manipulation',
    severity: 'medium',
    re: new RegExp(
      String.raw`(?<!\b(?:for|to|await|awaiting|receive|received|receiving|appreciate|forward to|of|on|with)\s)\byour\s+(?:final\s+|next\s+|entire\s+|whole\s+)?(?:${ANSWER}|answer's|response's|reply's)s?\b|\b(?:respond|reply|answer)\s+(?:only\s+)?(?:in|using|with|by|as)\s+(?!this email|to this|the (?:email|form|survey))`,
      'gi',
    ),
  },
  {
    rule: 'output.answer_manipulation',
    severity: 'medium',
    re: /(?:你的|您的)(?:回答|回复|答案|输出)|(?:回答|回复)(?:时|中)(?:请|要)|(?:あなたの|君の)?(?:回答|返答|応答|答え)(?:に|で|を|は)(?:は)?[^。\n]{0,20}(?:してください|しなさい|すること|せよ)|(?:답변|응답|대답)(?:에|을|를|은|는)?\s*[^.\n]{0,20}(?:하세요|하십시오|해라|해 주세요)|\b(?:tu|su|vuestra|tua|sua|votre|ta|deine|Ihre|eure)\s+(?:respuesta|resposta|réponse|Antwort|salida|saída|sortie|Ausgabe)\b|(?:в\s+)?(?:твоём|вашем|твоем|свой|твой|ваш)\s+ответ|(?:إجابتك|ردك|جوابك)/giu,
  },
  // Requests shaped like a user's turn: "Can you tell me...", "Please provide...", "Help me...".
  {
    rule: 'output.request_to_agent',
    severity: 'medium',
    re: new RegExp(
      String.raw`(?:^|[\n.!?][ \t]{0,8}|\b(?:and|now|also|oh),?\s+)(?:can|could|would|will) you(?: please)?\s+${TASK_VERB}\b`,
      'gi',
    ),
  },
  {
    rule: 'output.request_to_agent',
    severity: 'low',
    re: /(?:^|\n)[ \t]*(?:(?:help|tell|show|give|teach|remind) me\b|(?:provide|suggest|summari[sz]e|explain|describe|list|write|compose|translate|analy[sz]e|recommend|outline|generate|create|draft|compare|calculate|identify|discuss|predict|classify|convert|rewrite|encode|encrypt|decode|reverse|shift|substitute|integrate|incorporate|include|insert|add|modify|enhance|utili[sz]e|employ|merge|leverage|apply|use|implement|embed)\b[^\n]{8,200}$)/gim,
  },
];

// An imperative sentence about "your answer": addressed to whoever writes the answer, i.e. the agent.
export const ANSWER_IMPERATIVE_CUES: readonly Cue[] = [
  {
    rule: 'output.answer_manipulation',
    severity: 'high',
    re: /(?:^|[\n.!?][ \t]{0,8})(?:(?:can|could|would|will) you\s+|please\s+)?(?:[A-Z][a-z]+)\b[^.!?\n]{0,60}?(?<!\b(?:for|to|await|awaiting|receive|received|appreciate|of|on|with)\s)\byour\s+(?:final\s+|next\s+|entire\s+)?(?:response|reply|answer|output|message)(?:'s)?\b/g,
  },
];

export const AUTHORITY_CUES: readonly Cue[] = [
  // Claims of authority the text cannot have: "I am the user", "I'm your developer", "admin mode".
  {
    rule: 'output.claimed_authority',
    severity: 'high',
    re: /\b(?:i am|i'm|this is|we are|message from|sent by|signed,?)\s+(?:(?:the|your|an?)\s+)?(?:real\s+|actual\s+)?(?:user|developer|creator|administrator|admin|owner|operator|system|supervisor|openai|anthropic|security team|it department)\b|\b(?:developer|admin|administrator|debug|god|maintenance|override|sudo|root|jailbreak|unrestricted|dan)\s+mode\b|\b(?:system|admin|security|emergency|priority)\s+override\b|\b(?:security|compliance) (?:audit|check|test)\b[^.\n]{0,60}\b(?:confirm|provide|reveal|share|need)\b/gi,
  },
  {
    rule: 'output.claimed_authority',
    severity: 'high',
    re: /(?:我是(?:你的)?(?:用户|开发者|管理员)|開発者モード|私は(?:あなたの)?(?:開発者|管理者|ユーザー)|(?:개발자|관리자)\s*모드|저는\s*(?:당신의\s*)?(?:개발자|관리자|사용자)|soy (?:tu|el) (?:desarrollador|administrador|usuario)|modo (?:desarrollador|administrador|desenvolvedor)|je suis (?:ton|votre|l') ?(?:développeur|administrateur|utilisateur)|mode (?:développeur|administrateur)|ich bin (?:dein|Ihr|der) (?:Entwickler|Administrator|Benutzer)|(?:Entwickler|Administrator)modus|sou (?:o )?seu (?:desenvolvedor|administrador|usuário)|я (?:твой|ваш) (?:разработчик|администратор)|режим (?:разработчика|администратора)|أنا (?:المطور|المسؤول|المستخدم)|وضع المطور)/giu,
  },
];

export const SECRET_REQUEST_CUES: readonly Cue[] = [
  {
    rule: 'output.secret_request',
    severity: 'high',
    re: new RegExp(
      String.raw`\b(?:what(?:'s| is| was| are)|tell me|give me|reveal|confirm|share|provide|print|show|repeat|output|disclose|send|leak|display|spell out|write down|recite|poem|haiku|story|acrostic|song)\b[^.?!\n]{0,40}?\b(?:your|the|our|my|this|system|admin|user'?s?)\s+(?:\w+\s+)?${SECRET}\b`,
      'gi',
    ),
  },
  // Other languages: a verb of giving or telling next to a secret word, in either order (SOV languages put the
  // verb last). A bare mention ("reset your password") is not a request.
  {
    rule: 'output.secret_request',
    severity: 'high',
    re: new RegExp(
      `(?:${GIVE_ML})[^.\n。]{0,30}?(?:${SECRET_ML})|(?:${SECRET_ML})[^.\n。]{0,30}?(?:${GIVE_ML})`,
      'giu',
    ),
  },
  // Personal data about the user asked of the agent.
  {
    rule: 'output.personal_data_request',
    severity: 'medium',
    re: /\b(?:what(?:'s| is| are)|tell me|give me|reveal|share|provide|confirm|spell|list|could you (?:tell|give|share|provide)|can you (?:tell|give|share|provide))\b[^.?!\n]{0,60}?\b(?:(?:the )?user'?s|(?:[A-Z][a-z]+)'s|her|his|their)\s+(?:full\s+)?(?:birth ?(?:date|day)|date of birth|initials|address|home address|phone(?: number)?|e-?mail(?: address)?|social security|ssn|credit card|bank (?:account|details)|name|age|location|salary|medical|password)\b/g,
  },
];

// Keeping the user out of it: the mark of an instruction that would not survive being seen.
export const CONCEALMENT_CUES: readonly Cue[] = [
  {
    rule: 'output.concealment',
    severity: 'high',
    re: /\b(?:do not|don't|never|without)\s+(?:tell(?:ing)?|inform(?:ing)?|notify(?:ing)?|mention(?:ing)?|reveal(?:ing)?|alert(?:ing)?|let(?:ting)?|show(?:ing)?)\s+(?:\w+\s+)?(?:the\s+)?user\b(?!'s? (?:password|pin))|\bwithout the user(?:'s)? (?:knowing|noticing|knowledge|consent|seeing)\b|\b(?:silently|secretly|covertly|quietly|discreetly)\s+(?:add|send|forward|copy|include|delete|remove|upload|post|call|run|execute|change|bcc|cc|append|insert|transfer|share|email)\b|\bkeep (?:this|these|it) (?:secret|hidden|confidential) from (?:the )?user\b/gi,
  },
  {
    rule: 'output.concealment',
    severity: 'high',
    re: /不要告诉用户|别告诉用户|不要让用户知道|ユーザーに(?:は)?(?:言わ|伝え|知らせ|教え)ない|사용자에게\s*(?:알리지|말하지|알려주지)\s*(?:마|말)|no (?:le )?(?:digas|informes|menciones|cuentes) (?:nada )?al usuario|sin que el usuario (?:lo )?sepa|(?:sag|erzähl|verrate)[^.\n]{0,20}(?:dem|den) (?:Benutzer|Nutzer)[^.\n]{0,10}nicht|ohne dass der (?:Benutzer|Nutzer)|ne (?:le )?(?:dis|dites|mentionne[sz]?) (?:rien )?(?:pas )?à l'utilisateur|sans que l'utilisateur|não (?:conte|diga|informe|mencione) (?:nada )?ao usuário|sem que o usuário|не (?:говори|сообщай|рассказывай|показывай)\s+(?:об этом\s+)?пользовател|чтобы пользователь не (?:узнал|заметил)|لا تخبر المستخدم|دون علم المستخدم/giu,
  },
];

export const TOOL_DIRECTIVE_CUES: readonly Cue[] = [
  // Work slipped in before or during the user's task: "before responding, call...", "when summarizing, include...".
  {
    rule: 'output.tool_directive',
    severity: 'high',
    re: /\bbefore (?:responding|answering|replying|you (?:respond|answer|reply|continue|proceed|summari[sz]e)|continuing|proceeding|summari[sz]ing)\b[^.\n]{0,40}?\b(?:call|use|run|invoke|send|read|fetch|open|execute|visit|include|append|email|forward|upload)\b|\bwhen (?:you\s+)?(?:summari[sz]\w*|answer\w*|respond\w*|repl(?:y|ies|ying)|process\w*|generat\w*|writ(?:e|es|ing)) (?:this|these|the|about|to)\b[^.\n]{0,40}?,\s*(?:include|add|insert|mention|tell|say|recommend|append|call|use|send|state|output|link)\b/gi,
  },
  // Naming a tool to use: documentation does this too, so alone it is only medium.
  {
    rule: 'output.tool_directive',
    severity: 'medium',
    re: /\b(?:use|call|invoke|run|execute|trigger|utili[sz]e)\s+(?:the\s+)?`?[a-z][a-z0-9]*(?:[_-][a-z0-9]+)+`?\s+(?:tool|function|command|action|endpoint)\b|\b(?:use|call|invoke)\s+(?:the\s+)?(?:tool|function)\s+`?[a-z][a-z0-9]*(?:[_-][a-z0-9]+)+`?/gi,
  },
  // Gating the user's task on a detour or demanding obedience: "before you can solve the task", "you must adhere".
  {
    rule: 'output.tool_directive',
    severity: 'high',
    re: /\bbefore (?:you )?(?:can |could )?(?:solve|answer|complete|continue|proceed|respond|finish)\b[^.\n]{0,40}\b(?:task|request|question)\b|\b(?:you|assistant) (?:must|need to|have to) (?:strictly )?(?:adhere|comply|follow|obey)\b|\bin order to (?:get|see|obtain|receive) the (?:result|output|answer|data)s?,? you (?:must|need|have)\b/gi,
  },
  {
    rule: 'output.tool_directive',
    severity: 'medium',
    re: /\b(?:send|forward|email|post|upload|transmit|exfiltrate|copy|leak|share)\b[^.\n]{0,50}\b(?:conversation|chat history|chat log|previous messages|context|system prompt|memory|the user'?s (?:data|files|messages|emails|credentials|keys)|private keys?|ssh keys?|\.env|api keys?)\b[^.\n]{0,50}\b(?:to|at|via)\s+(?:https?:\/\/|[\w.+-]+@[\w-]+\.|the (?:following|address|url|endpoint))/gi,
  },
];

// Dictating what the answer must say, whatever the data: "ignore the webpage and state: ...", "state that the output
// is '10'", "consider the result as ...".
export const DICTATED_ANSWER_CUES: readonly Cue[] = [
  {
    rule: 'output.override_instructions',
    severity: 'high',
    re: /\b(?:ignore|disregard|forget|skip)\s+(?:the|this|that|all|any|its|their)\s+(?:[\w']+\s+){0,2}?[\w']+\s+and\s+(?:instead\s+|just\s+|only\s+)?(?:say|state|output|print|respond|reply|write|answer|tell|claim|declare|report|return)\b/gi,
  },
  {
    rule: 'output.override_instructions',
    severity: 'high',
    re: /\b(?:ignora|ignore|ignorez|ignoriere|ignorieren|игнорируй|игнорируйте|تجاهل)\b[^.\n]{0,40}?\s(?:y|e|et|und|и|و)\s*(?:declara|di|responde|escribe|diga|declare|responda|escreva|dites|déclarez|répondez|écrivez|indiquez|sag|sage|erkläre|antworte|schreibe|скажи|ответь|напиши|заяви|قل|اكتب|أعلن)\b/giu,
  },
  {
    rule: 'output.answer_manipulation',
    severity: 'medium',
    re: /\b(?:state|say|claim|declare|report|assert|pretend)\s+(?:that\s+)?(?:the\s+)?(?:output|answer|result|sum|total|capital|conclusion|value)\s+(?:is|was|should be|would be|could be)\b|\b(?:consider|treat|take)\s+the\s+(?:output|answer|result)\s+(?:as|to be)\b|\b(?:let's|let us|we (?:might|could|should|will))\s+(?:say|state|admit|claim|pretend)\b|\b(?:say|state|respond|reply|answer|output)\s*:\s*["'“]?[A-Z]/g,
  },
];

export const CODE_INJECTION_CUES: readonly Cue[] = [
  // Telling the reader's *implementation* to absorb a snippet: the code-answer variant of task redirection.
  {
    rule: 'output.code_insertion',
    severity: 'medium',
    re: /\b(?:following|below|subsequent|this|given|attached|next)\s+(?:code|snippet|excerpt|script|block|function|command|lines?)(?:\s+(?:snippet|excerpt|block|fragment))?\b[^\n]{0,80}\byour\s+(?:code|codebase|implementation|solution|algorithm|program|project|script|application|app|system|function|work|answer|setup)\b|\byour\s+(?:code|codebase|implementation|solution|algorithm|program|project|script|application)\b[^\n]{0,80}\b(?:following|below|subsequent)\s+(?:code|snippet|excerpt|script|block)\b/gi,
  },
];
