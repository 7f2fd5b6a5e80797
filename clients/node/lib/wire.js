// The .proto files of the repository's proto/ folder, loaded at run time: the only thing this client shares with
// the Java ends besides docs/adaptlet-protocol.md.
import { fileURLToPath } from 'node:url';
import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';

export const PROTO_ROOT = process.env.GRIDLET_PROTO || fileURLToPath(new URL('../../../proto', import.meta.url));

const definition = protoLoader.loadSync([
  'gridlet/ingest/v1/ingest.proto',
  'gridlet/results/v1/results.proto',
  'gridlet/session/v1/session.proto',
], { includeDirs: [PROTO_ROOT], longs: String, defaults: true, oneofs: true });

export const gridlet = grpc.loadPackageDefinition(definition).gridlet;

/** The generated message types, for encoding and decoding outside a call (tests, sizes). */
export const types = {
  ReadingBatch: definition['gridlet.ingest.v1.ReadingBatch'],
  Ack: definition['gridlet.ingest.v1.Ack'],
};
