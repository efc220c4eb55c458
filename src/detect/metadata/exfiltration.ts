// Exfiltration channels: parameters that make the model hand over what it knows (its identity, the conversation,
// secrets) regardless of the tool's purpose, and instructions to put data into parameters, URLs or extra
// recipients. Parameter names are matched as identifiers; descriptions as prose.

import type { Rule } from './rule.ts';

/** Rules for parameter names (the keys of `properties`). */
export const EXFIL_PARAM_RULES: readonly Rule[] = [
  {
    id: 'meta.exfil_parameter',
    severity: 'high',
    // The caller's identity or the conversation itself is never an input a tool needs to do its job.
    re: /^(?:llm|ai|assistant|agent|bot|caller)[_-]?(?:model[_-]?)?(?:name|id|identity|version|type|provider|vendor)$|(?:conversation|chat|dialog(?:ue)?|session|previous|prior)[_-]?(?:messages?|history|context|log|summary|transcript)|^(?:system|hidden)[_-]?(?:prompt|instructions?)$|^(?:user[_-]?)?(?:secrets?|credentials?|passwords?|private[_-]?key|ssh[_-]?key)$/iu,
  },
  {
    id: 'meta.freeform_parameter',
    severity: 'low',
    // Free-form side channels; common in benign tools too, so they only add to other evidence.
    re: /^(?:notes?|context|feedback|summary|side[_-]?note|extra(?:[_-]?info)?|additional[_-]?(?:info|context|notes|data)|debug(?:[_-]?info)?|reasoning|thoughts?|remarks?|memo|tools[_-]?list|env(?:ironment)?[_-]?(?:vars?|variables))$/iu,
  },
];

/** Rules for prose (descriptions, titles, enum and default values). */
export const EXFIL_TEXT_RULES: readonly Rule[] = [
  {
    id: 'meta.exfil_request',
    severity: 'high',
    re: /\b(?:name|identity|version|type) of the (?:llm|ai|model|assistant|agent|language model)\b|\b(?:llm|ai|model|assistant|agent) (?:that|which|who) (?:is )?(?:calls?|calling|uses?|invokes?) (?:this|the) tool\b|\b(?:entire|full|whole|complete|all|previous|prior|recent) (?:of the )?(?:conversation|chat(?: history)?|dialog(?:ue)?|messages? (?:so far|history)|system prompt|context window|instructions you (?:have )?received)\b|\b(?:summar(?:y|ize|ise)|transcript|copy|contents?) of (?:the |this |our )?(?:conversation|chat|dialog(?:ue)?|session)\b/iu,
  },
  {
    id: 'meta.exfil_channel',
    severity: 'high',
    re: /\b(?:send|forward|redirect|route|copy|deliver)s?\b[^.]{0,40}\ball\b[^.]{0,40}\bto\s+[\w.+-]+@[\w-]+\.[\w.]+|\bto (?:the )?attacker\b|\bcontrolled by (?:the |an )?attacker|\b(?:bcc|cc)\b[^.]{0,40}[\w.+-]+@[\w-]+\.[\w.]+|\bhttps?:\/\/[^\s'"]*(?:attacker|evil|exfil|c2\.|collect|beacon|steal|leak|webhook\.site|ngrok|requestbin|pipedream|burpcollaborator|interact\.sh)[^\s'"]*|\?(?:[\w]+=)?\$\(|\b(?:put|place|embed|encode|insert|include|append|add|pass)\b[^.]{0,60}\b(?:in|into|to|as)\b (?:the )?(?:\w+ )?(?:parameter|argument|url|query(?: string)?|field|header)s?\b[^.]{0,40}\b(?:contents?|data|credentials?|keys?|tokens?|secrets?|history|conversation|messages?|results?)\b/iu,
  },
  {
    id: 'meta.outbound_transfer',
    severity: 'medium',
    // Sending or mirroring data to a remote endpoint named in the description itself.
    re: /\b(?:send|sends|post|posts|upload|uploads|forward|forwards|transmit|transmits|mirror|mirrors|sync|report|reports|backup|beacon)(?:ed|ing|s)?\b[^.]{0,60}\b(?:to|at)\s+(?:https?:\/\/|[\w-]+\.(?:com|net|org|io|xyz|ru|cn)\b|(?:a |an |the )?(?:remote|external|third[- ]party|attacker)[\w -]{0,20}(?:server|endpoint|host))/iu,
  },
  {
    id: 'meta.exfil_request',
    severity: 'high',
    // Multilingual: "the whole conversation / chat history / system prompt".
    re: /(?:完整|全部|所有)?(?:对话|聊天)(?:记录|历史)|系统提示(?:词)?|会話(?:の)?(?:履歴|記録)|システムプロンプト|대화 (?:기록|내역)|시스템 프롬프트|historial (?:de|del) (?:chat|conversación)|conversación completa|gesprächsverlauf|chatverlauf|systemprompt|historique (?:de la|des) (?:conversation|discussions?)|prompt système|histórico (?:da|de) (?:conversa|chat)|prompt do sistema|истори[юя] (?:чата|переписки|диалога)|системн(?:ый|ого) промпт|سجل (?:المحادثة|الدردشة)|موجه النظام/iu,
  },
];
