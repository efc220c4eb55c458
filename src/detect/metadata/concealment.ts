// Concealment from the user: a legitimate tool has nothing to hide from the person it works for, so text asking the
// agent to keep a step, a recipient or a side effect out of sight is a strong sign of poisoning.

import type { Rule } from './rule.ts';

export const CONCEALMENT_RULES: readonly Rule[] = [
  {
    id: 'meta.concealment',
    severity: 'high',
    re: /\b(?:do not|don't|never|must not|should not|without) (?:tell(?:ing)?|inform(?:ing)?|notify(?:ing)?|mention(?:ing)?|reveal(?:ing)?|disclos(?:e|ing)|show(?:ing)?|alert(?:ing)?|report(?:ing)?|explain(?:ing)?|let(?:ting)?|ask(?:ing)?)\b.{0,30}\b(?:the )?(?:user|human|person|operator|anyone|them)\b|\b(?:do not|don't|never) (?:mention|disclose|reveal|report|log|display|show) (?:this|that|it|the (?:step|rule|bcc|instruction|change|above))\b|\b(?:hidden|invisible|transparent|not visible) (?:from|to) the user\b|\bkeep (?:this|it|these) (?:secret|hidden|confidential|between us)\b|\bthe user (?:must|should|need) not (?:know|see|be (?:told|informed|aware))\b|\(confidential\b|\bconfidential\s*[—:-]|\bthis is (?:a )?(?:secret|confidential)\b/iu,
  },
  {
    id: 'meta.covert_action',
    severity: 'medium',
    re: /\b(?:silently|secretly|covertly|quietly|stealthily|discreetly|invisibly|behind the scenes)\b(?! (?:fail|ignore|skip|drop))/iu,
  },
  {
    id: 'meta.concealment',
    severity: 'high',
    re: /(?:不要|请勿|切勿|不得|别)(?:告诉|通知|提醒|透露|向)[^。]{0,8}(?:用户|使用者)|(?:ユーザー|利用者)に(?:は)?(?:伝え|知らせ|言わ|教え|通知し)(?:ない|ず|るな)|사용자에게 (?:알리지|말하지|공개하지) (?:마|않)|no (?:le )?(?:digas|informes|menciones|avises|reveles)[^.]{0,20}(?:al usuario)|(?:nicht|niemals|keinesfalls) (?:dem|den) (?:benutzer|nutzer|anwender)[^.]{0,20}(?:mitteilen|sagen|erwähnen|informieren)|(?:dem|den) (?:benutzer|nutzer) nicht (?:mitteilen|sagen|erwähnen)|ne (?:pas |jamais )?(?:dire|informer|mentionner|révéler|signaler)[^.]{0,20}(?:à l'utilisateur|l'utilisateur)|ne (?:le )?dites (?:pas|rien)|não (?:informe|diga|mencione|conte|revele)[^.]{0,20}(?:ao usuário|ao utilizador)|не (?:сообщай|говори|сообщайте|говорите|упоминай|раскрывай)[^.]{0,20}пользовател|لا (?:تخبر|تبلغ|تذكر|تعلم) المستخدم/iu,
  },
];
