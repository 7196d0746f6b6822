// One RecordIO event stream over a chunked 200 response (a scheduler or executor subscription).
import type http from 'node:http';
import { encodeMessage, MEDIA_TYPES, type MesosType, type WireFormat } from '../../protos/wire/codec.js';
import { encodeRecord } from '../../protos/wire/recordio.js';

/** Writes encoded events; `onClose` runs once, whichever side ends the connection. */
export class EventStream<E> {
  private ended = false;

  constructor(
    private readonly res: http.ServerResponse,
    private readonly type: MesosType,
    readonly format: WireFormat,
    headers: http.OutgoingHttpHeaders,
    onClose: () => void,
  ) {
    res.writeHead(200, { 'Content-Type': MEDIA_TYPES[format], 'Cache-Control': 'no-cache', ...headers });
    res.once('close', () => {
      this.ended = true;
      onClose();
    });
  }

  get closed(): boolean {
    return this.ended;
  }

  /** Sends one event; false once the stream is closed (the event is dropped, as Mesos drops it). */
  send(event: E): boolean {
    if (this.ended) return false;
    this.res.write(encodeRecord(encodeMessage(this.type, event, this.format)));
    return true;
  }

  /** Ends the response cleanly (the client sees EOF). */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.res.end();
  }

  /** Breaks the connection (fault injection: the client sees a reset or truncated stream). */
  destroy(): void {
    this.ended = true;
    this.res.destroy();
  }
}
