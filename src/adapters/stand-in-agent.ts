/**
 * An https.Agent for the real SDK clients to reach a local stand-in unmodified: it trusts the
 * stand-in's CA and sends the service's host names to the stand-in's address; every other
 * name resolves as usual. Used only when a *_CA_CERT_PATH setting names a local stand-in.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:https';

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

export interface StandInTrust {
  caCertPath: string;
  /** The loopback address the service's host names resolve to. */
  address: string;
}

export function standInAgent(trust: StandInTrust, servedByStandIn: (hostname: string) => boolean): Agent {
  const family = trust.address.includes(':') ? 6 : 4;
  const lookup = (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    if (servedByStandIn(hostname.toLowerCase())) {
      if (options.all) callback(null, [{ address: trust.address, family }]);
      else callback(null, trust.address, family);
      return;
    }
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) callback(err, []);
      else if (options.all) callback(null, addresses);
      else callback(null, addresses[0]?.address ?? '', addresses[0]?.family);
    });
  };
  return new Agent({ ca: readFileSync(trust.caCertPath), keepAlive: true, lookup: lookup as never });
}
