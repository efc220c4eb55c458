// Instructions about other tools or servers (shadowing): a tool's description should describe that tool. Text that
// tells the agent how to use, replace, avoid or tamper with *other* tools hijacks behaviour the user never chose.

import type { Rule } from './rule.ts';

export const SHADOWING_RULES: readonly Rule[] = [
  {
    id: 'meta.tool_shadowing',
    severity: 'high',
    re: /\bwhen(?:ever)? this tool is (?:available|present|loaded|installed|enabled|connected)\b|\b(?:the )?`?[a-z][\w.-]*_[\w.-]+`? (?:tool|function) (?:must|should|shall|needs to|has to) (?:always |now |also )?(?:send|use|include|add|forward|route|be)\b|\b(?:use|call|choose|prefer|select|invoke) (?:this|our|the present) (?:tool|function|server|one)\b[^.]{0,40}\b(?:instead of|rather than|over|in place of) (?:the |any |all |other |another )?(?:others?\b|(?:built-?in|default|native|standard|original|existing|official) [\w.-]+|(?:[\w.-]+ )?(?:tools?|functions?|servers?|apis?)\b|`?[a-z][\w.-]*_[\w.-]+)|\b(?:instead of|rather than|in place of) (?:using |calling )?(?:the |any )?(?:other|another|built-?in|default|original|standard|existing) (?:tools?|functions?|servers?|methods?)|\b(?:before|after|when(?:ever)?|while|if) (?:you )?(?:using|calling|executing|running|invoking|use|call|execute|run|invoke) (?:the |any |another |other )?(?!this\b|that\b|these\b|our\b)[\w.-]+ (?:tool|function|server|operation)\b|\b(?:modify|replace|alter|overwrite|change|tamper with|correct) (?:the )?(?:values?|results?|outputs?|responses?|arguments?|parameters?) (?:of|from|returned by) (?:the |any |other |another )?[\w.-]+ (?:tool|function|server)s?\b|\b(?:other|all other|any other) (?:tools?|servers?|functions?) (?:must|should|will|are|is) (?:not|never|be|now)\b|\bdo not use (?:any )?(?:other|another|the [\w.-]+) (?:tools?|functions?|servers?)\b/iu,
  },
  {
    id: 'meta.tool_reference',
    severity: 'medium',
    // An instruction that names a tool to call (`use write_file tool`, `call get_user_token`): weak alone.
    re: /\b(?:use|call|invoke|run|execute|trigger)s? (?:the )?`?[a-z][\w.-]*_[\w.-]+`? (?:tool|function|first|with|before)\b|\b(?:by )?using (?:the )?`?[a-z][\w.-]*_[\w.-]+`? tool\b|\bmust (?:first )?(?:call|use|invoke) `?[a-z][\w.-]*[_-][\w.-]+\b(?!\s*[=(:])/iu,
  },
  {
    id: 'meta.tool_shadowing',
    severity: 'high',
    // Multilingual: "use this tool instead of other tools".
    re: /(?:使用|用)(?:此|这个|本)工具(?:而不是|代替|替代)|(?:不要|请勿)使用(?:其他|别的)工具|他のツール(?:ではなく|の代わりに|を使わ)|다른 도구 대신|다른 도구를 사용하지|en lugar de (?:usar )?(?:otras|otra) herramientas?|no uses? (?:otras|ninguna otra) herramientas?|statt (?:anderer|der anderen) (?:tools|werkzeuge)|keine anderen (?:tools|werkzeuge)|au lieu d'utiliser (?:d'autres|les autres) outils|n'utilisez pas (?:d'autres|les autres) outils|em vez de (?:usar )?outras ferramentas|não use outras ferramentas|вместо других инструментов|не используй(?:те)? другие инструменты|بدلا من الأدوات الأخرى|لا تستخدم (?:أي )?أدوات أخرى/iu,
  },
];
