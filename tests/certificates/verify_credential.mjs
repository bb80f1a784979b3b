// Independent verifier for the platform's Open Badges credentials: Digital Bazaar's libraries (npm), not the
// Python code that signs. Usage: node tests/certificates/verify_credential.mjs INPUT.json
// INPUT: {"credential": {...}, "documents": {"<url or DID>": {...}}} — "documents" holds what a verifier would
// fetch (the issuer's DID document, the status list credential) and any extra context; the bundled contexts come
// from certificates/credentials/contexts/ (the same files the platform signs with). Nothing is fetched from the
// network. Prints {"verified": bool, "revoked": bool|null, "errors": [...]} as JSON.
import {readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022CryptoSuite} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';
import {JsonLdDocumentLoader} from 'jsonld-document-loader';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const contextDir = join(root, 'certificates', 'credentials', 'contexts');
const bundled = {
  'https://www.w3.org/ns/credentials/v2': 'credentials-v2.jsonld',
  'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json': 'ob-v3p0-context-3.0.3.json',
  'https://w3id.org/security/data-integrity/v2': 'data-integrity-v2.jsonld',
};

const input = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const loader = new JsonLdDocumentLoader();
for(const [url, file] of Object.entries(bundled)) {
  loader.addStatic(url, JSON.parse(readFileSync(join(contextDir, file), 'utf8')));
}
const documents = input.documents || {};
const staticLoader = loader.build();

// DID documents and their verification methods (did:web:…#key), status lists and extra contexts from the input.
async function documentLoader(url) {
  const [base, fragment] = url.split('#');
  if(fragment !== undefined && documents[base]) {
    const doc = documents[base];
    const method = (doc.verificationMethod || []).find(m => m.id === url);
    if(method) {
      return {
        contextUrl: null, documentUrl: url,
        document: {'@context': 'https://w3id.org/security/multikey/v1', ...method},
      };
    }
  }
  if(documents[url]) {
    return {contextUrl: null, documentUrl: url, document: documents[url]};
  }
  return staticLoader(url);
}

const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022CryptoSuite});
const hasStatus = Boolean(input.credential.credentialStatus);
const errors = [];
let revoked = null;
try {
  const result = await vc.verifyCredential({
    credential: input.credential,
    suite,
    documentLoader,
    ...(hasStatus ? {checkStatus} : {}),
  });
  if(result.error) {
    const list = result.error.errors || [result.error];
    for(const error of list) errors.push(String(error.message || error));
  }
  for(const entry of result.results || []) {
    if(entry.error) errors.push(String(entry.error.message || entry.error));
  }
  if(result.statusResult) {
    if(result.statusResult.error) errors.push(String(result.statusResult.error.message));
    const statuses = result.statusResult.results || [result.statusResult];
    if(statuses.some(s => s.verified)) revoked = statuses.some(s => s.status === true);
  }
  process.stdout.write(JSON.stringify({verified: Boolean(result.verified), revoked, errors}) + '\n');
} catch(error) {
  errors.push(String(error.message || error));
  process.stdout.write(JSON.stringify({verified: false, revoked, errors}) + '\n');
}
