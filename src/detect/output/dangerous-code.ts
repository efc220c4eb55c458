// Code in a result that does what no answer needs: reverse shells, fork bombs, reading keys or system logs and
// posting them away, disabling networking, encrypting files with a fetched key, capturing screen, clipboard or
// keys, fingerprinting the host. Alone it is only suspicious (a tutorial can show it); next to an instruction to put
// it into "your implementation" it is an attack.
import type { Finding } from '../finding.ts';
import { hit, matches } from './hit.ts';

// Capabilities, each a family of calls; one match per family is enough.
const CAPABILITIES: readonly RegExp[] = [
  // Reverse shells and remote code.
  /\bnc(?:at)?\s+(?:-\w+\s+)*-e\s|\/bin\/(?:ba|z)?sh\b["']?\s*,?\s*["']?-i|\bos\.dup2\(|\b(?:curl|wget)\b[^\n|]{0,200}\|\s*(?:sudo\s+)?(?:ba|z)?sh\b|\bpickle\.loads?\(\s*(?:requests|urllib|response)|\bexec\(\s*(?:requests|urllib)/g,
  // Destruction and denial of service.
  /\bos\.fork\(\)|:\(\)\s*\{\s*:\|:&\s*\};:|\brm\s+-rf\s+(?:\/|~|\$HOME)|\bshutil\.rmtree\(\s*["'](?:\/|~|C:)|\bmkfs\b|\bdd\s+if=\/dev\/(?:zero|random)|\b(?:sudo\s+)?(?:reboot|shutdown)\b["']|\/boot\/grub|\bping\s+-[nt]\s+\d{3,}|\bflags\s*=\s*["']S["']|\bwhile\s+True\s*:[\s\S]{0,200}?\b(?:requests\.|socket|os\.system|subprocess|fork|Process\(|append\()/g,
  // Networking disabled or hijacked.
  /\bWin32_NetworkAdapterConfiguration\b|\bipconfig\b["',\s]+\/release|\bnetsh\s+(?:interface|advfirewall)|\biptables\s+-[FP]|\/etc\/hosts\b|\bnet_connections\(\)[\s\S]{0,200}?terminate\(|\bssh\s+-[LR]\s+\d+|\bTCP4(?:Client|Server)Endpoint\b|\bstart_server\([\s\S]{0,200}?open_connection\(|\.bind\(\([^)]*\)\)[\s\S]{0,300}?\.connect\(/g,
  // Data leaving the machine: posting files, keys or collected info.
  /\brequests\.post\([\s\S]{0,300}?\b(?:files|data|json)\s*=|\bsock(?:et)?\.send(?:all)?\(|\.connect\(\(\s*["'][^"']+["']\s*,\s*\d+\s*\)\)|\bsubprocess\.\w+\(\s*\[?\s*["'](?:rsync|scp|curl|nc|ftp)\b|\burllib\.request\.urlopen\([^)]*data=/g,
  // Secrets and sensitive files.
  /\/etc\/(?:passwd|shadow|sudoers)\b|~\/\.ssh\b|\bauthorized_keys\b|\bid_(?:rsa|ed25519)\b|\/var\/log\/(?:syslog|auth\.log)|\bprivate[_ ]?key\b|\bgetpass\.getuser\(\)/g,
  // Surveillance: screen, clipboard, keys, location, host fingerprint.
  /\bx11grab\b|\bscreencapture\b|\bsnippingtool\b|\bImageGrab\.grab\b|\bpynput\b|\bkeyboard\.(?:on_press|hook)\b|\bGetAsyncKeyState\b|\bpyperclip\.paste\(|\bpbpaste\b|\bgeocoder\.ip\(|\bplatform\.(?:system|version|uname|node)\(\)|\bpkg_resources\.working_set\b|\bnvidia-smi\b|\bnetstat\b|\buuid\.getnode\(\)|\bpsutil\.net_if_addrs\(\)/g,
  // Files encrypted in place (ransomware shape).
  /\b(?:Cipher|Fernet|AES\.new|ChaCha20|Blowfish)\b[\s\S]{0,300}?\b(?:encrypt(?:or)?\(|\.write\()/g,
  // Persistence.
  /\bschtasks\s+\/create\b|\bcrontab\b|\bCurrentVersion\\\\Run\b|\.bashrc\b|\bLaunchAgents\b/g,
];

/** Dangerous operations inside code found in a result (one finding per capability family). */
export function scanDangerousCode(text: string): Finding[] {
  const out: Finding[] = [];
  for (const re of CAPABILITIES) {
    for (const m of matches(re, text)) {
      out.push(hit('output.dangerous_code', 'low', text, m.index, m.index + m[0].length));
      break;
    }
  }
  return out;
}
