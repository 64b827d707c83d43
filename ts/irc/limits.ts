/**
 * Limits that protect the server and every other user from one client.
 * Each field: meaning, unit, default, and what changing it costs.
 */
export interface IrcLimits {
  /** Connections accepted in total; past it a new socket gets ERROR and is closed. Default 10000. */
  maxClients: number;
  /** Connections from one remote address; stops one host from taking every slot. Default 100. */
  maxClientsPerIp: number;
  /** Channels one client may be in at once (ISUPPORT CHANLIMIT); 405 past it. Default 50. */
  maxChannelsPerClient: number;
  /** Bytes queued towards one client before it is dropped with "SendQ exceeded". Default 1 MiB. */
  sendQBytes: number;
  /** Token-bucket capacity: lines a client may send back to back before throttling. Default 20. */
  floodBurstLines: number;
  /**
   * Sustained lines per second. Default 5: a fast typist or a paste of a few lines never
   * notices, a script that loops does. Lines past the burst are delayed, not dropped; a
   * backlog of more than 2 × floodBurstLines lines disconnects with "Excess Flood".
   */
  floodLinesPerSecond: number;
  /** Idle time before the server sends PING. Default 90 s. */
  pingIntervalMs: number;
  /** Time to answer that PING (any line counts) before "Ping timeout". Default 60 s. */
  pingTimeoutMs: number;
  /** Time from connect to a completed registration (NICK+USER[+CAP END]). Default 30 s. */
  registrationTimeoutMs: number;
  /** NICKLEN. Default 30. */
  nickLength: number;
  /** CHANNELLEN, including the leading '#'. Default 64. */
  channelLength: number;
  /** TOPICLEN; longer topics are cut. Default 390 (fits a 512-byte line with prefix). */
  topicLength: number;
}

export const DEFAULT_IRC_LIMITS: Readonly<IrcLimits> = Object.freeze({
  maxClients: 10_000,
  maxClientsPerIp: 100,
  maxChannelsPerClient: 50,
  sendQBytes: 1_048_576,
  floodBurstLines: 20,
  floodLinesPerSecond: 5,
  pingIntervalMs: 90_000,
  pingTimeoutMs: 60_000,
  registrationTimeoutMs: 30_000,
  nickLength: 30,
  channelLength: 64,
  topicLength: 390,
});

/** Fixed protocol limits advertised in ISUPPORT; not worth a config knob each. */
export const PROTOCOL_LIMITS = Object.freeze({
  awayLength: 200,
  kickLength: 390,
  maxTargets: 4,
  maxModesPerCommand: 6,
  maxBansPerChannel: 100,
  maxInvitesPerClient: 50,
  whowasEntries: 1000,
  userLength: 10,
  realnameLength: 100,
  /** Persisted channels kept while empty; past it an emptied channel is forgotten. */
  maxPersistentChannels: 5000,
  /** Bytes of client-only tags (+foo) relayed, per IRCv3 message-tags. */
  clientTagBytes: 4094,
});
