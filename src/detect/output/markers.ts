// Fake conversation structure inside a tool result: chat-template tokens, role headers, a closing tag for the
// tool result followed by new "system" text, and tool-call syntax the agent might mistake for its own calls.
import type { Finding } from '../finding.ts';
import { hit, matches } from './hit.ts';

// Chat-template special tokens and tags of common model families; none belongs in data returned by a tool.
const TEMPLATE_TOKEN =
  /<\|(?:im_start|im_end|im_sep|system|user|assistant|endoftext|eot_id|start_header_id|end_header_id|begin_of_text)\|>|\[\/?INST\]|<<\/?SYS>>|<\/?(?:start_of_turn|end_of_turn)>|<\/?(?:tool_result|tool_results|function_results|function_result|tool_output|system|system_prompt|system-reminder|assistant|user_query|instructions?|admin|important|information)>/gi;
// Role headers on their own line: "### System:", "SYSTEM:", "[system]", "Human:"/"Assistant:".
const ROLE_HEADER =
  /^[ \t]*(?:#{1,6}[ \t]*)?(?:\[|\*\*)?(?:system|system prompt|developer|assistant|human|user|ai|model|instruction|new instructions?)(?:\]|\*\*)?[ \t]*:(?:\*\*)?[ \t]*(?=\S)/gim;
const TURN_PAIR = /^[ \t]*(?:human|user)[ \t]*:[\s\S]{1,800}?^[ \t]*(?:assistant|ai)[ \t]*:/gim;
// Tool-call syntax: XML call blocks and JSON objects shaped like a function call.
const TOOL_CALL_XML =
  /<\/?(?:tool_use|tool_call|function_call|function_calls|invoke|use_mcp_tool|tool_code)\b[^>]{0,120}>|<function=[\w.-]+>/gi;
const TOOL_CALL_JSON =
  /\{\s*"(?:tool_calls?|function_call|tool_use|tool|name|function)"\s*:\s*(?:\[|\{|"[\w.-]{2,64}")[^{}]{0,200}?"(?:arguments|parameters|args|input|tool_input)"\s*:/gi;

/** Role markers and tool-call syntax in a tool result. */
export function scanMarkers(text: string): Finding[] {
  const out: Finding[] = [];
  for (const m of matches(TEMPLATE_TOKEN, text)) {
    out.push(hit('output.fake_role_marker', 'high', text, m.index, m.index + m[0].length));
  }
  for (const m of matches(TURN_PAIR, text)) {
    out.push(hit('output.fake_role_marker', 'high', text, m.index, m.index + Math.min(m[0].length, 120)));
  }
  for (const m of matches(ROLE_HEADER, text)) {
    const word = m[0].toLowerCase();
    // A lone "User:" label is common in logs and tables, and so is "System: Ubuntu 22.04"; a system or developer
    // header followed by commands is a fake turn.
    const lineEnd = text.indexOf('\n', m.index + m[0].length);
    const rest = text.slice(m.index + m[0].length, lineEnd < 0 ? text.length : lineEnd);
    const commanding =
      /\b(?:you|your|assistant|must|always|never|ignore|do not|respond|reply|from now)\b/i.test(rest);
    const severity = /system|developer|instruction/.test(word) && commanding ? 'high' : 'low';
    out.push(hit('output.fake_role_marker', severity, text, m.index, m.index + m[0].length + 40));
  }
  for (const m of matches(TOOL_CALL_XML, text)) {
    out.push(hit('output.fake_tool_call', 'high', text, m.index, m.index + m[0].length));
  }
  for (const m of matches(TOOL_CALL_JSON, text)) {
    out.push(hit('output.fake_tool_call', 'medium', text, m.index, m.index + m[0].length));
  }
  return out;
}
