// The seam between the JSON-RPC peer and a wire: stdio child, Streamable HTTP or legacy HTTP+SSE.
import type { JsonRpcId, JsonRpcMessage } from '../core/jsonrpc.ts';
import type { SendOptions } from './credentials/provider.ts';

export interface TransportHandlers {
  /**
   * A message from the upstream. `relatedTo` is the id of Rampart's outgoing request on whose response stream the
   * message arrived (Streamable HTTP gives exact correlation); undefined where the wire has none (stdio, legacy SSE).
   */
  onMessage(message: JsonRpcMessage, relatedTo?: JsonRpcId): void;
  /** The connection is gone; pending requests fail. */
  onClose(reason: Error): void;
}

export interface MessageTransport {
  start(handlers: TransportHandlers): Promise<void>;
  send(message: JsonRpcMessage, options?: SendOptions): Promise<void>;
  close(): Promise<void>;
}
