"""Open Badges 3.0 credentials: built, signed and checked by an independent verifier (Digital Bazaar's libraries run
with Node, tests/certificates/verify_credential.mjs), the W3C eddsa-rdfc-2022 test vectors, status lists, downloads,
the baked badge and the public documents verifiers fetch."""

import hashlib
import json
import subprocess
import tempfile
from io import StringIO
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.core.management import call_command
from django.test import SimpleTestCase, override_settings
from pyld import jsonld

from certificates.credentials import baking, build, keys, proof, status_list
from certificates.credentials.loader import document_loader
from certificates.models import CredentialStatusList, IssuedCertificate
from certificates.services import issuance, revocation
from courses.models import Comuna
from tests.certificates.test_services import CertificateTestCase
from tests.factories.certificates import completed_enrolment, make_issuer, make_template
from tests.factories.learners import learner

ROOT = Path(__file__).resolve().parents[2]
VECTORS = Path(__file__).resolve().parent / "credential_vectors"
NODE_VERIFIER = Path(__file__).resolve().parent / "verify_credential.mjs"
EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"


def node_verify(credential: dict, documents: dict) -> dict:
    """What the independent verifier says about ``credential`` (documents: what it would fetch)."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump({"credential": credential, "documents": documents}, handle)
    try:
        completed = subprocess.run(
            ["node", str(NODE_VERIFIER), handle.name], capture_output=True, text=True, cwd=ROOT, timeout=120
        )
    finally:
        Path(handle.name).unlink()
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def vector_loader(url, options=None):
    if url == EXAMPLES_V2:
        document = json.loads((VECTORS / "examples-v2.jsonld").read_text())
        return {"contextUrl": None, "documentUrl": url, "document": document}
    return document_loader(url, options)


def vector_key() -> Ed25519PrivateKey:
    pair = json.loads((VECTORS / "keyPair.json").read_text())
    raw = proof.from_multibase_base58(pair["privateKeyMultibase"])
    assert raw[:2] == b"\x80\x26"  # multicodec ed25519-priv
    return Ed25519PrivateKey.from_private_bytes(raw[2:])


class TestVectorTests(SimpleTestCase):
    """W3C vc-di-eddsa, eddsa-rdfc-2022: the signer reproduces the published proof; both verifiers accept it."""

    def setUp(self):
        self.signed = json.loads((VECTORS / "signedDataInt.json").read_text())
        self.pair = json.loads((VECTORS / "keyPair.json").read_text())
        controller = self.signed["issuer"]
        method = f"{controller}#{self.pair['publicKeyMultibase']}"
        self.documents = {
            EXAMPLES_V2: json.loads((VECTORS / "examples-v2.jsonld").read_text()),
            controller: {
                "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
                "id": controller,
                "verificationMethod": [
                    {
                        "id": method,
                        "type": "Multikey",
                        "controller": controller,
                        "publicKeyMultibase": self.pair["publicKeyMultibase"],
                    }
                ],
                "assertionMethod": [method],
            },
        }

    def test_signing_the_vector_gives_the_published_proof_value(self):
        key = vector_key()
        self.assertEqual(keys.public_multibase(key.public_key()), self.pair["publicKeyMultibase"])
        unsigned = {name: value for name, value in self.signed.items() if name != "proof"}
        expected = self.signed["proof"]
        ours = proof.sign(
            unsigned,
            key=key,
            verification_method=expected["verificationMethod"],
            created=expected["created"],
            loader=vector_loader,
        )
        self.assertEqual(ours["proof"], expected)

    def test_both_verifiers_accept_the_vector_and_reject_it_tampered(self):
        public_key = vector_key().public_key()
        self.assertTrue(proof.verify(self.signed, public_key=public_key, loader=vector_loader))
        self.assertEqual(node_verify(self.signed, self.documents), {"verified": True, "revoked": None, "errors": []})
        tampered = json.loads(json.dumps(self.signed))
        tampered["credentialSubject"]["alumniOf"] = "The School of Forgeries"
        self.assertFalse(proof.verify(tampered, public_key=public_key, loader=vector_loader))
        result = node_verify(tampered, self.documents)
        self.assertFalse(result["verified"])
        self.assertIn("Invalid signature.", result["errors"])

    def test_the_cached_proof_options_equal_a_full_canonicalisation(self):
        for created in ("2023-02-24T23:36:38Z", "2026-12-31T23:59:59Z"):
            options = {
                "@context": build.CONTEXT,
                "type": "DataIntegrityProof",
                "cryptosuite": "eddsa-rdfc-2022",
                "created": created,
                "verificationMethod": "did:web:escuela.example.cl#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
                "proofPurpose": "assertionMethod",
            }
            document = {"@context": build.CONTEXT}
            self.assertEqual(proof._canonical_options(document, options, document_loader), proof.canonical(options))

    def test_no_context_is_fetched_from_the_network(self):
        with self.assertRaises(jsonld.JsonLdError):
            proof.canonical({"@context": "https://example.org/unknown-context", "name": "x"})


class CredentialTestCase(CertificateTestCase):
    def setUp(self):
        super().setUp()
        cache.clear()  # verify lookups are rate-limited per IP
        self.owner = learner(email="Ana@Example.cl", run="12345678-5")
        with self.captureOnCommitCallbacks(execute=True):
            self.certificate = issuance.certificate_issue(
                enrolment=completed_enrolment(course=self.course, cohort=self.group, user=self.owner)
            )
        self.certificate.refresh_from_db()

    def fetched_documents(self, issuer_did: str) -> dict:
        """What a verifier fetches, fetched through the site's own public URLs."""
        did_path = "/.well-known/did.json"
        if issuer_did.count(":") > 2:
            did_path = "/" + "/".join(issuer_did.split(":")[3:]) + "/did.json"
        did_document = self.client.get(did_path)
        self.assertEqual(did_document.status_code, 200)
        documents = {issuer_did: did_document.json()}
        status_url = self.certificate.credential["credentialStatus"]["statusListCredential"]
        documents[status_url] = self.client.get(urlsplit(status_url).path).json()
        return documents


class CredentialContentTests(CredentialTestCase):
    def test_every_issued_certificate_has_a_signed_open_badge_credential(self):
        credential = self.certificate.credential
        self.assertEqual(credential["type"], ["VerifiableCredential", "OpenBadgeCredential"])
        self.assertEqual(credential["@context"], build.CONTEXT)
        self.assertEqual(credential["issuer"]["id"], "did:web:testserver")  # AMUCH is the academy in tests
        self.assertEqual(credential["issuer"]["name"], "Asociación de Municipalidades de Chile")
        self.assertEqual(credential["validFrom"], self.certificate.issued_at.strftime("%Y-%m-%dT%H:%M:%SZ"))
        self.assertEqual(
            credential["id"], f"http://testserver/certificados/verificar/{self.certificate.code}/credencial.json"
        )
        achievement = credential["credentialSubject"]["achievement"]
        self.assertEqual(achievement["name"], "Participación ciudadana")
        self.assertEqual(achievement["achievementType"], "Course")
        self.assertIn("8 horas cronológicas", achievement["tag"])
        self.assertIn("Modalidad:", " ".join(achievement["tag"]))
        self.assertIn("Participación ciudadana", achievement["criteria"]["narrative"])
        self.assertTrue(achievement["fieldOfStudy"])
        self.assertEqual(credential["proof"]["cryptosuite"], "eddsa-rdfc-2022")
        self.assertEqual(credential["proof"]["proofPurpose"], "assertionMethod")
        key = keys.private_key("AMUCH")
        self.assertTrue(credential["proof"]["verificationMethod"].startswith("did:web:testserver#z6Mk"))
        self.assertTrue(proof.verify(credential, public_key=key.public_key()))

    def test_the_learner_is_a_salted_hash_of_her_run_never_the_run(self):
        credential = self.certificate.credential
        (identity,) = credential["credentialSubject"]["identifier"]
        self.assertEqual(identity["type"], "IdentityObject")
        self.assertIs(identity["hashed"], True)
        self.assertEqual(identity["identityType"], "nationalIdentityNumber")
        expected = "sha256$" + hashlib.sha256(("12345678-5" + identity["salt"]).encode()).hexdigest()
        self.assertEqual(identity["identityHash"], expected)
        text = json.dumps(credential)
        for form in ("12345678-5", "12.345.678-5", "12345678"):
            self.assertNotIn(form, text)

    def test_a_learner_without_run_is_hashed_by_her_email(self):
        other = learner(email="Sin.Run@Example.cl", run=None, document_type="passport", document_number="X123")
        certificate = issuance.certificate_issue(
            enrolment=completed_enrolment(course=self.course, user=other), render=False
        )
        (identity,) = certificate.credential["credentialSubject"]["identifier"]
        self.assertEqual(identity["identityType"], "emailAddress")
        expected = "sha256$" + hashlib.sha256(("sin.run@example.cl" + identity["salt"]).encode()).hexdigest()
        self.assertEqual(identity["identityHash"], expected)
        self.assertNotEqual(identity["salt"], self.certificate.credential["credentialSubject"]["identifier"][0]["salt"])

    def test_a_municipality_is_a_path_based_did_web(self):
        comuna = Comuna.objects.first()
        municipality = make_issuer(short_code="PENALOLEN", name="Municipalidad de Peñalolén", comuna=comuna)
        template = make_template(issuer=municipality)
        from certificates.models import TemplateAssignment

        TemplateAssignment.objects.create(template=template, course=self.course)
        certificate = issuance.certificate_issue(
            enrolment=completed_enrolment(course=self.course, user=learner()), render=False
        )
        self.assertEqual(certificate.credential["issuer"]["id"], "did:web:testserver:emisores:PENALOLEN")
        response = self.client.get("/emisores/PENALOLEN/did.json")
        self.assertEqual(response.status_code, 200)
        document = response.json()
        self.assertEqual(document["id"], "did:web:testserver:emisores:PENALOLEN")
        self.assertEqual(document["assertionMethod"], [certificate.credential["proof"]["verificationMethod"]])
        self.assertEqual(self.client.get("/emisores/AMUCH/did.json").status_code, 404)  # the academy is the host

    def test_an_issuer_without_a_key_issues_certificates_without_credential(self):
        keyless = make_issuer(short_code="SINCLAVE")
        keys.key_path("SINCLAVE").unlink()
        from certificates.models import TemplateAssignment

        TemplateAssignment.objects.create(template=make_template(issuer=keyless), course=self.course)
        with self.assertLogs("certificates.credentials.services", "WARNING"):
            certificate = issuance.certificate_issue(
                enrolment=completed_enrolment(course=self.course, user=learner()), render=False
            )
        self.assertIsNone(certificate.credential)
        self.assertIsNone(certificate.status_list_index)
        self.assertEqual(self.client.get("/emisores/SINCLAVE/did.json").status_code, 404)


class IndependentVerifierTests(CredentialTestCase):
    def test_the_node_verifier_accepts_an_issued_credential(self):
        credential = self.certificate.credential
        result = node_verify(credential, self.fetched_documents(credential["issuer"]["id"]))
        self.assertEqual(result, {"verified": True, "revoked": False, "errors": []})

    def test_a_tampered_credential_is_rejected_by_both(self):
        tampered = json.loads(json.dumps(self.certificate.credential))
        tampered["credentialSubject"]["achievement"]["name"] = "Doctorado en Ciencias"
        self.assertFalse(proof.verify(tampered, public_key=keys.private_key("AMUCH").public_key()))
        result = node_verify(tampered, self.fetched_documents(tampered["issuer"]["id"]))
        self.assertFalse(result["verified"])
        self.assertIn("Invalid signature.", result["errors"])

    def test_a_revoked_credential_is_reported_revoked(self):
        staff = learner(email="staff@example.cl")
        revocation.certificate_revoke(certificate=self.certificate, reason="Error en la nota", by=staff)
        credential = self.certificate.credential
        result = node_verify(credential, self.fetched_documents(credential["issuer"]["id"]))
        self.assertEqual(result, {"verified": True, "revoked": True, "errors": []})

    def test_the_baked_badge_carries_the_credential_and_verifies(self):
        self.client.force_login(self.owner)
        response = self.client.get(f"/certificados/{self.certificate.pk}/insignia/")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "image/png")
        baked = baking.unbake(response.content)
        self.assertEqual(baked, self.certificate.credential)
        from PIL import Image

        image = Image.open(__import__("io").BytesIO(response.content))
        self.assertEqual(image.format, "PNG")
        self.assertEqual(json.loads(image.text["openbadgecredential"]), self.certificate.credential)
        result = node_verify(baked, self.fetched_documents(baked["issuer"]["id"]))
        self.assertTrue(result["verified"], result)


class StatusListTests(CredentialTestCase):
    def status(self) -> dict:
        response = self.client.get("/certificados/emisores/AMUCH/estado/")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Access-Control-Allow-Origin"], "*")
        return response.json()

    def test_revocation_sets_the_bit_and_re_signs_the_list_in_the_same_transaction(self):
        index = self.certificate.status_list_index
        entry = self.certificate.credential["credentialStatus"]
        self.assertEqual(entry["statusListIndex"], str(index))
        self.assertEqual(entry["statusListCredential"], "http://testserver/certificados/emisores/AMUCH/estado/")
        revocation.certificate_revoke(certificate=self.certificate, reason="Error", by=learner())
        listed = self.status()
        self.assertEqual(listed["type"], ["VerifiableCredential", "BitstringStatusListCredential"])
        self.assertEqual(listed["issuer"], "did:web:testserver")
        self.assertTrue(status_list.is_set(listed["credentialSubject"]["encodedList"], index))
        self.assertEqual(len(status_list.decode(listed["credentialSubject"]["encodedList"])), 16384)
        self.assertTrue(proof.verify(listed, public_key=keys.private_key("AMUCH").public_key()))
        page = self.client.get(f"/certificados/verificar/{self.certificate.code}/")
        self.assertContains(page, 'data-credential-status="revoked"')

    def test_reissue_revokes_the_old_credential_and_the_new_one_is_valid(self):
        new = revocation.certificate_reissue(certificate=self.certificate, by=learner(), reason="Cambio de nombre")
        encoded = self.status()["credentialSubject"]["encodedList"]
        self.assertTrue(status_list.is_set(encoded, self.certificate.status_list_index))
        self.assertNotEqual(new.status_list_index, self.certificate.status_list_index)
        self.assertFalse(status_list.is_set(encoded, new.status_list_index))
        self.assertTrue(proof.verify(new.credential, public_key=keys.private_key("AMUCH").public_key()))
        documents = self.fetched_documents(new.credential["issuer"]["id"])
        self.assertEqual(node_verify(new.credential, documents)["revoked"], False)
        self.assertEqual(node_verify(self.certificate.credential, documents)["revoked"], True)

    def test_positions_are_consecutive_per_issuer(self):
        second = issuance.certificate_issue(enrolment=completed_enrolment(course=self.course, user=learner()))
        self.assertEqual(second.status_list_index, self.certificate.status_list_index + 1)
        self.assertEqual(CredentialStatusList.objects.get(issuer=self.issuer).next_index, second.status_list_index + 1)

    def test_encoding_round_trips(self):
        encoded = status_list.encode([0, 7, 8, 131071], size=131072)
        self.assertTrue(encoded.startswith("u"))
        for index in (0, 7, 8, 131071):
            self.assertTrue(status_list.is_set(encoded, index))
        for index in (1, 6, 9, 131070):
            self.assertFalse(status_list.is_set(encoded, index))
        self.assertEqual(status_list.size_for(131073), 262144)


class CredentialViewTests(CredentialTestCase):
    def test_the_owner_downloads_her_credential(self):
        self.client.force_login(self.owner)
        response = self.client.get(f"/certificados/{self.certificate.pk}/credencial/")
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response["Content-Type"].startswith("application/vc+ld+json"))
        self.assertIn(f'filename="{self.certificate.folio}.json"', response["Content-Disposition"])
        self.assertIn("no-store", response["Cache-Control"])
        self.assertEqual(json.loads(response.content), self.certificate.credential)

    def test_refused_cases(self):
        urls = [f"/certificados/{self.certificate.pk}/credencial/", f"/certificados/{self.certificate.pk}/insignia/"]
        for url in urls:
            response = self.client.get(url)  # logged out
            self.assertEqual(response.status_code, 302, url)
            self.assertIn("next=", response["Location"])
        self.client.force_login(learner())  # another learner
        for url in urls:
            self.assertEqual(self.client.get(url).status_code, 404, url)
        for bad in ("999999", "0", "abc", "1%00", "%00"):
            for kind in ("credencial", "insignia"):
                self.assertIn(self.client.get(f"/certificados/{bad}/{kind}/").status_code, (400, 404), bad)
        self.assertEqual(self.client.post(urls[0]).status_code, 405)

    def test_staff_who_can_see_certificates_download_them(self):
        staff = learner(email="staff@example.cl")
        staff.user_permissions.add(Permission.objects.get(codename="view_issuedcertificate"))
        self.client.force_login(staff)
        self.assertEqual(self.client.get(f"/certificados/{self.certificate.pk}/credencial/").status_code, 200)
        self.assertEqual(self.client.get(f"/certificados/{self.certificate.pk}/insignia/").status_code, 200)

    def test_a_revoked_certificate_stays_downloadable_like_its_pdf(self):
        revocation.certificate_revoke(certificate=self.certificate, reason="Error", by=learner())
        self.client.force_login(self.owner)
        self.assertEqual(self.client.get(f"/certificados/{self.certificate.pk}/credencial/").status_code, 200)

    def test_the_verify_page_shows_the_credential_status_and_offers_the_json(self):
        page = self.client.get(f"/certificados/verificar/{self.certificate.code}/")
        json_url = f"/certificados/verificar/{self.certificate.code}/credencial.json"
        self.assertContains(page, 'data-credential-status="valid"')
        self.assertContains(page, f'href="{json_url}"')
        response = self.client.get(json_url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(json.loads(response.content), self.certificate.credential)
        self.assertEqual(response["Access-Control-Allow-Origin"], "*")

    def test_the_public_json_refuses_bad_codes(self):
        code = self.certificate.code
        mistyped = code[:-1] + ("A" if code[-1] != "A" else "B")
        for path in (mistyped, "ZZZZ", "%00", code + "%00", "abc"):
            response = self.client.get(f"/certificados/verificar/{path}/credencial.json")
            self.assertIn(response.status_code, (400, 404), path)
        self.assertEqual(self.client.get(f"/certificados/verificar/{code.lower()}/credencial.json").status_code, 404)

    @override_settings(CERTIFICATES_VERIFY_RATE=(2, 60))
    def test_the_public_json_is_rate_limited_like_the_verify_page(self):
        url = f"/certificados/verificar/{self.certificate.code}/credencial.json"
        self.assertEqual(self.client.get(url).status_code, 200)
        self.assertEqual(self.client.get(url).status_code, 200)
        response = self.client.get(url)
        self.assertEqual(response.status_code, 429)
        self.assertIn("Demasiadas consultas", response.json()["error"])

    def test_public_documents_refuse_unknown_or_hostile_codes(self):
        for path in (
            "/emisores/NOEXISTE/did.json",
            "/emisores/%00/did.json",
            "/emisores/AM%00UCH/did.json",
            "/certificados/emisores/NOEXISTE/estado/",
            "/certificados/emisores/%00/estado/",
            "/certificados/emisores/" + "A" * 40 + "/estado/",
        ):
            self.assertIn(self.client.get(path).status_code, (400, 404), path)  # NUL: 400 (hostile input guard)
        academy = self.client.get("/.well-known/did.json")
        self.assertEqual(academy.status_code, 200)
        self.assertEqual(academy["Content-Type"], "application/did+json; charset=utf-8")
        with override_settings(CERTIFICATES_ACADEMY_ISSUER=""):
            self.assertEqual(self.client.get("/.well-known/did.json").status_code, 404)

    def test_the_dashboard_offers_badge_credential_and_linkedin(self):
        self.client.force_login(self.owner)
        response = self.client.get("/mis-cursos/")
        self.assertContains(response, f'href="/certificados/{self.certificate.pk}/insignia/"')
        self.assertContains(response, f'href="/certificados/{self.certificate.pk}/credencial/"')
        self.assertContains(response, "Agregar a LinkedIn")
        link = response.content.decode().split("data-linkedin")[0].rsplit('href="', 1)[1].split('"')[0]
        parts = urlsplit(link.replace("&amp;", "&"))
        self.assertEqual(f"{parts.scheme}://{parts.netloc}{parts.path}", "https://www.linkedin.com/profile/add")
        query = {name: values[0] for name, values in parse_qs(parts.query).items()}
        self.assertEqual(query["startTask"], "CERTIFICATION_NAME")
        self.assertEqual(query["name"], "Participación ciudadana")
        self.assertEqual(query["organizationName"], "Asociación de Municipalidades de Chile")
        self.assertEqual(query["certId"], self.certificate.folio)
        self.assertEqual(query["certUrl"], f"http://testserver/certificados/verificar/{self.certificate.code}/")
        issued = self.certificate.issued_at
        from django.utils import timezone

        self.assertEqual(query["issueYear"], str(timezone.localtime(issued).year))
        self.assertEqual(query["issueMonth"], str(timezone.localtime(issued).month))


class CredentialCommandTests(CredentialTestCase):
    def test_keys_are_created_for_issuers_without_one(self):
        newcomer = make_issuer(short_code="NUEVO")
        keys.key_path("NUEVO").unlink()
        call_command("certificates_credential_keys", stdout=StringIO())
        self.assertIsNotNone(keys.private_key(newcomer.short_code))
        before = keys.key_path("AMUCH").read_bytes()
        call_command("certificates_credential_keys", "AMUCH", stdout=StringIO())
        self.assertEqual(keys.key_path("AMUCH").read_bytes(), before)  # never replaced

    def test_sign_credentials_fills_missing_ones_keeping_position_and_salt(self):
        IssuedCertificate.objects.filter(pk=self.certificate.pk).update(credential=None)
        call_command("sign_credentials", stdout=StringIO())
        self.certificate.refresh_from_db()
        self.assertTrue(self.certificate.has_credential)
        self.assertTrue(proof.verify(self.certificate.credential, public_key=keys.private_key("AMUCH").public_key()))
        salt = self.certificate.credential["credentialSubject"]["identifier"][0]["salt"]
        with override_settings(PUBLIC_BASE_URL="https://escuela.example.cl"):
            call_command("sign_credentials", stdout=StringIO())
        self.certificate.refresh_from_db()
        self.assertEqual(self.certificate.credential["issuer"]["id"], "did:web:escuela.example.cl")
        self.assertEqual(self.certificate.credential["credentialSubject"]["identifier"][0]["salt"], salt)

    def test_retired_keys_stay_in_the_did_document(self):
        old_public = keys.private_key("AMUCH").public_key()
        path = keys.key_path("AMUCH")
        path.rename(path.with_name("AMUCH.2026-retirada.pem"))
        try:
            keys.create_key(path)
            document = self.client.get("/.well-known/did.json").json()
            self.assertEqual(len(document["verificationMethod"]), 2)
            self.assertEqual(document["verificationMethod"][1]["publicKeyMultibase"], keys.public_multibase(old_public))
            result = node_verify(self.certificate.credential, self.fetched_documents("did:web:testserver"))
            self.assertTrue(result["verified"], result)
        finally:
            path.with_name("AMUCH.2026-retirada.pem").replace(path)

    def test_erasing_the_learner_drops_her_credential(self):
        from certificates.receivers import erase_learner_certificates

        erase_learner_certificates(sender=None, user_id=self.owner.pk)
        self.certificate.refresh_from_db()
        self.assertIsNone(self.certificate.credential)
        self.assertIsNotNone(self.certificate.status_list_index)
        self.assertEqual(
            self.client.get(f"/certificados/verificar/{self.certificate.code}/credencial.json").status_code, 404
        )


class CredentialCheckTests(SimpleTestCase):
    def test_a_missing_key_directory_is_reported(self):
        from certificates.checks import check_credential_keys

        with override_settings(CERTIFICATES_CREDENTIAL_KEY_DIR=None):
            self.assertEqual([message.id for message in check_credential_keys()], ["certificates.W011"])
        with override_settings(CERTIFICATES_CREDENTIAL_KEY_DIR="/nonexistent/credential-keys"):
            self.assertEqual([message.id for message in check_credential_keys()], ["certificates.W012"])
        self.assertEqual(check_credential_keys(), [])
