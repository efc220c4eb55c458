// Hidden or coercive instructions addressed to the model: overrides of earlier instructions, mandatory
// "prerequisite" steps, persistent session rules, fake system/important markup. A tool description documents what
// the tool does; text that orders the agent around is the mechanism of tool poisoning.

import type { Rule } from './rule.ts';

const I = 'iu';

export const INSTRUCTION_RULES: readonly Rule[] = [
  {
    id: 'meta.instruction_override',
    severity: 'critical',
    re: new RegExp(
      String.raw`\b(?:ignore|disregard|forget|override|bypass)\b.{0,30}\b(?:previous|prior|above|earlier|all|any|safety|system|user'?s?)\b.{0,20}\b(?:instructions?|guidelines?|rules?|prompts?|polic(?:y|ies)|directives?)|\bsupersedes?\b.{0,30}\b(?:instructions?|rules?|polic(?:y|ies)|requests?)|cannot be overridden|system override|new (?:system )?instructions?:`,
      I,
    ),
  },
  {
    id: 'meta.model_addressed_markup',
    severity: 'high',
    // Pseudo-markup that frames text as a message to the model rather than documentation of the tool.
    re: /<\/?\s*(?:important|information|system|instructions?|secret|hidden|admin|assistant|context)\s*>|\[\s*(?:important|system|admin|instruction)\s*\]|\b(?:important|urgent) message (?:from|to)\b|\b(?:admin|system|developer|root)[_ ]override\b|\b(?:note|message|instructions?|reminder|memo) (?:to|for) (?:the )?(?:ai|assistant|model|llm|agent|bot)\b|\b(?:ai|assistant|agent|claude|chatgpt|gpt|gemini|copilot)\s*[:,]\s*(?:please|you must|you should|always|never|ignore|do not)\b|\bmessage (?:from (?:the )?user )?to (?:you|the (?:assistant|model|ai|agent))\b/iu,
  },
  {
    id: 'meta.mandatory_prerequisite',
    severity: 'high',
    re: new RegExp(
      String.raw`\bbefore (?:you (?:can )?|using|calling|running|executing|invoking|reading|sending|listing|creating|writing|any|each|every|solving|answering|responding|returning|proceeding)\b.{0,120}\b(?:you must|must (?:first|always)|(?:first|always),? (?:call|use|run|read|invoke|execute|send|fetch)|please (?:do|call|use|run|read)|do the following|is required)|\b(?:you must|must) first\b|\b(?:required|mandatory) (?:prerequisite|initiali[sz]ation|step|pre-?check)|\b(?:init(?:iali[sz]ation)?|prerequisite) required\b|\bprior to (?:using|calling|any).{0,80}\bmust\b`,
      I,
    ),
  },
  {
    id: 'meta.persistent_rule',
    severity: 'high',
    re: /\b(?:for the (?:duration|remainder|rest) of (?:this|the) (?:session|conversation|chat)|(?:from now on|henceforth|going forward),? (?:always|you|every|all)|persistent (?:system )?rule|global (?:execution )?policy|whenever you (?:send|use|call|run|read|write|execute|respond|reply))\b/iu,
  },
  {
    id: 'meta.agent_directive',
    severity: 'medium',
    // Second-person orders to the agent about its own conduct (weak alone: "you must provide a path" is benign).
    re: /\b(?:you (?:must|should|need to|have to|are required to) (?:always|never|first|also|immediately|silently|not)|(?:always|never) (?:call|use|invoke|run|include|append|add|send|forward|mention|tell|ask)\b|as an? (?:ai|assistant|language model|llm|agent)\b|\b(?:the|your) (?:assistant|ai|model|agent|llm) (?:must|should|will)\b|(?:do not|don't) (?:ask|wait for) (?:the user|for (?:confirmation|permission|approval)))/iu,
  },
  {
    id: 'meta.dangerous_command',
    severity: 'high',
    re: /(?:\brm\s+-rf\s+\/|\bcurl\b[^\n]{0,80}(?:-d\s*@|\|\s*(?:ba)?sh\b|\$\()|\bwget\b[^\n]{0,80}\|\s*(?:ba)?sh\b|\bchmod\s+777\b|\|\s*(?:nc|ncat|netcat)\s+\S+\s+\d+|\bnc\s+-e\b|\bbase64\s+-d\b[^\n]{0,40}\|\s*(?:ba)?sh|\$\((?:cat|hostname|whoami|env|printenv)\b|\beval\s*\(\s*(?:atob|base64)|\bsystem\(\s*['"])/iu,
  },
  // Multilingual: "ignore previous instructions" and "before using this tool you must" in nine languages.
  {
    id: 'meta.instruction_override',
    severity: 'critical',
    re: /忽略(?:之前|以前|先前|上述|所有)|无视(?:之前|所有)|以前の指示を無視|前の指示を無視|指示を無視|이전 지시(?:를|사항을)? 무시|지시를 무시|ignora (?:las |todas las )?instrucciones (?:anteriores|previas)|ignorieren? (?:sie )?(?:alle )?(?:vorherigen|bisherigen) (?:anweisungen|instruktionen)|ignore[zr]? (?:les |toutes les )?instructions (?:précédentes|antérieures)|ignore (?:as |todas as )?instruções anteriores|игнорируй(?:те)? (?:все )?(?:предыдущие|прежние) (?:инструкции|указания)|تجاهل (?:جميع |كل )?(?:التعليمات|الإرشادات) (?:السابقة)?/iu,
  },
  {
    id: 'meta.mandatory_prerequisite',
    severity: 'high',
    re: /(?:使用|调用|呼叫)(?:此|这个|本)?工具(?:之前|前)[^。]{0,40}(?:必须|务必|先)|在(?:使用|调用)[^。]{0,20}之前[^。]{0,40}(?:必须|务必|首先)|(?:使用|呼び出す)前に[^。]{0,40}(?:必ず|まず|しなければ)|(?:사용하기|호출하기) 전에[^.]{0,40}(?:반드시|먼저)|antes de (?:usar|utilizar|llamar)[^.]{0,60}(?:debes|tienes que|primero|deve|precisa)|bevor (?:du|sie)[^.]{0,60}(?:musst|müssen|zuerst)|avant d'(?:utiliser|appeler)[^.]{0,60}(?:vous devez|tu dois|d'abord)|перед (?:использованием|вызовом)[^.]{0,60}(?:необходимо|нужно|должны|сначала)|قبل (?:استخدام|استدعاء)[^.]{0,60}(?:يجب|أولا|أولاً)/iu,
  },
];
