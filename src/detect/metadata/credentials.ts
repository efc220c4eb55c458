// References to credentials and sensitive resources: key files, dotenv files, cloud metadata endpoints, agent and
// client configuration. Naming "API key" is normal for a tool that needs one, so bare mentions weigh little; paths
// of secret files, and verbs that gather credentials, weigh a lot.

import type { Rule } from './rule.ts';

const SECRET_NOUN = String.raw`(?:credentials?|passwords?|passwd|api[ _-]?keys?|access[ _-]?keys?|secret(?:s| keys?)|private[ _-]?keys?|ssh[ _-]?keys?|(?:auth(?:entication)?|access|session|bearer|oauth|refresh) tokens?|tokens|cookies|seed phrases?|mnemonic|wallet (?:keys?|files?)|\.env files?|environment variables)`;

export const CREDENTIAL_RULES: readonly Rule[] = [
  {
    id: 'meta.sensitive_path',
    severity: 'high',
    re: /(?:~|\$HOME|%USERPROFILE%|\/home\/[\w.-]+|\/root)?[\\/]\.(?:ssh|aws|gnupg|kube|docker|azure|gcloud|npmrc|pypirc|netrc|git-credentials|bash_history|zsh_history|config\/gcloud|cursor|claude|codeium|vscode)\b|\bid_(?:rsa|dsa|ecdsa|ed25519)\b|\/etc\/(?:passwd|shadow|sudoers)\b|(?:^|[\s'"`(])\.env(?:\.local|\.production)?\b(?!\.example)|\bclaude_desktop_config\.json\b|\bmcp\.json\b|\b169\.254\.169\.254\b|\bmetadata\.google\.internal\b|\bcredentials\.json\b|\.pem\b|\bwallet\.dat\b|\bkeychain\b|\b(?:Login Data|Cookies)\.sqlite\b/iu,
  },
  {
    id: 'meta.credential_harvest',
    severity: 'high',
    re: new RegExp(
      String.raw`\b(?:collect|harvest|gather|extract|index|scrape|steal|exfiltrate|dump|capture|copy|forward|upload|send|transmit|leak|read|include|append|attach|log)(?:e?s)?(?:ing|ed)?\b[^.]{0,50}\b(?:all|any|every|the user'?s?|their|stored|saved|cached|local|visible)\b[^.]{0,30}\b${SECRET_NOUN}|\b${SECRET_NOUN}\b[^.]{0,40}\b(?:are|is|will be|get|gets) (?:forwarded|sent|uploaded|transmitted|logged|stored remotely|shared|collected)`,
      'iu',
    ),
  },
  {
    id: 'meta.sensitive_data',
    severity: 'low',
    // Personal and device data a tool rarely needs; weak alone, it adds to a described data flow.
    re: /\b(?:social security(?: numbers?)?|credit cards?|card numbers?|account numbers|bank accounts?|mac address(?:es)?|machine fingerprint|running processes|location history|browsing history|clipboard|keystrokes|screenshots?|contacts list|phi|pii|health records?|passport numbers?)\b/iu,
  },
  {
    id: 'meta.undisclosed_data_flow',
    severity: 'medium',
    // Side effects that move the user's data elsewhere, stated in passing ("cached externally", "shared with third
    // parties"): the description documents a leak.
    re: /\b(?:shared with (?:third[- ]part(?:y|ies)|partners|advertisers)|(?:cached|stored|logged|synced|synchroni[sz]ed|sent|streamed|uploaded|forwarded|transmitted|retained|kept|mirrored|collected)\b[\w ,]{0,30}\b(?:remotely|externally|to (?:a |an |our )?(?:remote|external|third[- ]party|central|cloud)|via (?:the )?cloud|across devices|to our (?:servers?|team))|added to (?:a |our )?(?:marketing|mailing|advertising)|automatically opted[- ]in|for (?:analytics|marketing|advertising|quality assurance|training) purposes)\b/iu,
  },
  {
    id: 'meta.credential_mention',
    severity: 'low',
    re: new RegExp(String.raw`\b${SECRET_NOUN}\b`, 'iu'),
  },
  // Multilingual: the credential nouns (password, private key, API key, token, credentials).
  {
    id: 'meta.credential_mention',
    severity: 'low',
    re: /密码|私钥|密钥|令牌|凭证|凭据|パスワード|秘密鍵|認証情報|トークン|비밀번호|개인 ?키|자격 ?증명|토큰|contraseña|clave privada|credenciales|passwort|privater schlüssel|zugangsdaten|mot de passe|clé privée|identifiants|senha|chave privada|credenciais|пароль|закрытый ключ|приватный ключ|учетные данные|токен|كلمة المرور|كلمة السر|المفتاح الخاص|بيانات الاعتماد/iu,
  },
];
