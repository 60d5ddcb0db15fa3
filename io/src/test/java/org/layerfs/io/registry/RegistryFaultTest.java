package org.layerfs.io.registry;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.layerfs.io.blob.BlobOpener;
import org.layerfs.io.blob.BlobVerificationException;
import org.layerfs.io.blob.VerifyingInputStream;
import org.layerfs.io.dest.TagRemoval;
import org.layerfs.io.model.Descriptor;
import org.layerfs.io.model.Digest;
import org.layerfs.io.model.MediaTypes;
import org.layerfs.io.ref.ImageReference;
import org.layerfs.io.registry.FaultServer.Answer;
import org.layerfs.io.registry.FaultServer.Cut;
import org.layerfs.io.registry.FaultServer.Reset;
import org.layerfs.io.registry.FaultServer.Short;
import org.layerfs.io.registry.FaultServer.Silence;
import org.layerfs.io.registry.FaultServer.Stall;
import org.layerfs.io.registry.FaultServer.Status;

/** Retries, resumption, bounds and auth against a server that fails on purpose. */
@Timeout(60) // a hang is a failure, not a stuck build
class RegistryFaultTest {
  private static final String REPO = "repo";
  private static final byte[] BLOB = randomBytes(100_000);
  private static final Descriptor BLOB_DESC = layer(BLOB);
  private static final String BLOB_PATH = "/v2/repo/blobs/" + BLOB_DESC.digest();
  private static final byte[] MANIFEST = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"}".getBytes(UTF_8);
  private static final Digest MANIFEST_DIGEST = Digest.sha256(MANIFEST);
  private static final String MANIFEST_PATH = "/v2/repo/manifests/latest";
  private static final String UPLOADS = "/v2/repo/blobs/uploads/";

  @TempDir Path dir;
  private FaultServer server;
  private RegistryClient client;

  @BeforeEach
  void start() throws IOException {
    server = new FaultServer();
    server.blob(BLOB_DESC.digest(), BLOB);
    server.manifest("latest", MediaTypes.OCI_MANIFEST, MANIFEST, MANIFEST_DIGEST);
    client = RegistryClient.create(server.host(), config().build());
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private RegistryConfig.Builder config() {
    return RegistryConfig.builder()
        .setTlsVerify(false)
        .setAuthFiles(ImmutableList.of())
        .setMaxAttempts(3)
        .setInitialBackoff(Duration.ofMillis(5))
        .setMaxBackoff(Duration.ofMillis(20));
  }

  private static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    new Random(42).nextBytes(b);
    return b;
  }

  private byte[] pullVerified(RegistryClient c) throws IOException {
    try (InputStream in = new VerifyingInputStream(c.pullBlob(REPO, BLOB_DESC), BLOB_DESC, "blob")) {
      return in.readAllBytes();
    }
  }

  @Test
  void connectionCutMidBlobResumesFromTheByteItStopped() throws IOException {
    server.fail(BLOB_PATH, new Cut(30_000));
    assertArrayEquals(BLOB, pullVerified(client));
    List<FaultServer.Request> gets = server.requests("GET", BLOB_PATH);
    assertEquals(2, gets.size());
    assertEquals(Optional.empty(), gets.get(0).range());
    assertEquals(Optional.of("bytes=30000-"), gets.get(1).range());
  }

  @Test
  void bodyEndingEarlyResumesToo() throws IOException {
    server.fail(BLOB_PATH, new Short(40_000), new Short(10_000));
    assertArrayEquals(BLOB, pullVerified(client));
    List<FaultServer.Request> gets = server.requests("GET", BLOB_PATH);
    assertEquals(3, gets.size());
    assertEquals(Optional.of("bytes=40000-"), gets.get(1).range());
    assertEquals(Optional.of("bytes=50000-"), gets.get(2).range());
  }

  @Test
  void aServerIgnoringRangeIsRestartedWithoutDuplicatingBytes() throws IOException {
    server.ignoreRange();
    server.fail(BLOB_PATH, new Cut(30_000));
    assertArrayEquals(BLOB, pullVerified(client));
    assertEquals(2, server.requests("GET", BLOB_PATH).size());
  }

  @Test
  void aBlobThatBreaksWithoutProgressGivesUpAfterTheBound() {
    server.fail(BLOB_PATH, new Cut(10_000), new Cut(0), new Cut(0), new Cut(0), new Cut(0), new Cut(0), new Cut(0));
    RegistryException e = assertThrows(RegistryException.class, () -> pullVerified(client));
    assertTrue(e.getMessage().contains("broken at byte 10000 of 100000 3 times in a row"), e.getMessage());
    // The first request broke there after progress; two more got nowhere: three attempts in all.
    List<FaultServer.Request> gets = server.requests("GET", BLOB_PATH);
    assertEquals(3, gets.size());
    assertEquals(Optional.of("bytes=10000-"), gets.get(2).range());
  }

  @Test
  void wrongBytesAreCaughtByTheCallersVerification() {
    byte[] wrong = BLOB.clone();
    wrong[500] ^= 1;
    server.blob(BLOB_DESC.digest(), wrong);
    BlobVerificationException e = assertThrows(BlobVerificationException.class, () -> pullVerified(client));
    assertTrue(e.getMessage().contains("digest mismatch: expected " + BLOB_DESC.digest()), e.getMessage());
    assertEquals(1, server.requests("GET", BLOB_PATH).size());
  }

  @Test
  void serverErrorsAreRetried() throws IOException {
    server.fail(MANIFEST_PATH, Status.of(500), Status.of(503));
    RemoteManifest m = client.pullManifest(REPO, "latest");
    assertEquals(MANIFEST_DIGEST, m.descriptor().digest());
    assertEquals(MediaTypes.OCI_MANIFEST, m.descriptor().mediaType());
    assertEquals(3, server.requests("GET", MANIFEST_PATH).size());
  }

  @Test
  void tooManyRequestsWaitsAsLongAsRetryAfterSays() throws IOException {
    server.fail(MANIFEST_PATH, new Status(429, Optional.of(1)));
    long start = System.nanoTime();
    client.pullManifest(REPO, "latest");
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertTrue(millis >= 1000, "waited only " + millis + " ms");
    assertEquals(2, server.requests("GET", MANIFEST_PATH).size());
  }

  @Test
  void persistentServerErrorsFailAfterTheBound() {
    server.fail(MANIFEST_PATH, Status.of(500), Status.of(500), Status.of(500), Status.of(500));
    RegistryException e = assertThrows(RegistryException.class, () -> client.pullManifest(REPO, "latest"));
    assertEquals(OptionalInt.of(500), e.status());
    assertTrue(e.isTransient());
    assertEquals(
        "registry " + server.host() + ", repository repo, pull manifest latest: HTTP 500 Internal Server Error"
            + " (INJECTED: injected by the test) (gave up after 3 attempts)",
        e.getMessage());
    assertEquals(3, server.requests("GET", MANIFEST_PATH).size());
  }

  @Test
  void permanentFailuresFailAtOnce() {
    server.fail(MANIFEST_PATH, Status.of(403));
    RegistryException forbidden = assertThrows(RegistryException.class, () -> client.pullManifest(REPO, "latest"));
    assertEquals(OptionalInt.of(403), forbidden.status());
    assertFalse(forbidden.isTransient());
    assertEquals(1, server.requests("GET", MANIFEST_PATH).size());
    RegistryException missing = assertThrows(RegistryException.class, () -> client.pullManifest(REPO, "nope"));
    assertTrue(missing.isNotFound());
    assertEquals(1, server.requests("GET", "/v2/repo/manifests/nope").size());
  }

  @Test
  void manifestsAreVerifiedAgainstTheirDigest() {
    Digest other = Digest.sha256("other".getBytes(UTF_8));
    server.manifest(other.toString(), MediaTypes.OCI_MANIFEST, MANIFEST, other);
    server.manifest("lying", MediaTypes.OCI_MANIFEST, MANIFEST, other);
    BlobVerificationException byDigest =
        assertThrows(BlobVerificationException.class, () -> client.pullManifest(REPO, other.toString()));
    assertTrue(byDigest.getMessage().contains("digest mismatch: expected " + other + ", actual " + MANIFEST_DIGEST));
    assertThrows(BlobVerificationException.class, () -> client.pullManifest(REPO, "lying"));
  }

  @Test
  void aTagsDigestIsAskedByHeadAndByGetOnlyWhenTheHeadSaysNone() throws IOException {
    RegistrySource source = RegistrySource.open(ImageReference.parse("docker://" + server.host() + "/" + REPO), config().build());
    assertEquals(Optional.of(MANIFEST_DIGEST), source.tagDigest("latest"));
    assertEquals(1, server.requests("HEAD", "/v2/repo/manifests/latest").size());
    assertEquals(0, server.requests("GET", "/v2/repo/manifests/latest").size());

    server.noDigestOnHead();
    assertEquals(Optional.of(MANIFEST_DIGEST), source.tagDigest("latest"));
    assertEquals(1, server.requests("GET", "/v2/repo/manifests/latest").size());
    assertEquals(Optional.empty(), source.tagDigest("gone"));
  }

  @Test
  void tagPagesAreFollowed() throws IOException {
    for (String tag : List.of("a", "b", "c", "d", "e")) {
      server.manifest(tag, MediaTypes.OCI_MANIFEST, MANIFEST, MANIFEST_DIGEST);
    }
    RegistryClient paged = RegistryClient.create(server.host(), config().setTagPageSize(2).build());
    assertEquals(List.of("a", "b", "c", "d", "e", "latest"), paged.listTags(REPO));
    List<FaultServer.Request> pages = server.requests("GET", "/v2/repo/tags/list");
    assertEquals(List.of("n=2", "n=2&last=b", "n=2&last=d"), pages.stream().map(FaultServer.Request::query).toList());
  }

  @Test
  void aFailedPatchIsResumedFromWhatTheRegistryHolds() throws IOException {
    RegistryClient streamed = streamed(config());
    byte[] bytes = randomBytes(70_000);
    Descriptor blob = layer(bytes);
    server.halveNextPatch();
    streamed.pushBlob(REPO, blob, from(bytes));
    assertArrayEquals(bytes, server.storedBlob(blob.digest()));
    // The whole blob (half kept, then a 500), then its second half.
    List<FaultServer.Request> patches = server.requests("PATCH", UPLOADS);
    assertEquals(2, patches.size());
    assertEquals(1, server.requests("GET", UPLOADS).size());
  }

  @Test
  void aConnectionResetMidPatchResumesFromWhatTheRegistryKept() throws IOException {
    RegistryClient streamed = streamed(config());
    byte[] bytes = randomBytes(3 << 20);
    Descriptor blob = layer(bytes);
    List<Long> opened = new ArrayList<>();
    server.fail(UPLOADS + "1", new Reset(1_000_000));
    streamed.pushBlob(REPO, blob, offset -> {
      opened.add(offset);
      return from(bytes).open(offset);
    });
    assertArrayEquals(bytes, server.storedBlob(blob.digest()));
    assertEquals(List.of(0L, 1_000_000L), opened);
    assertEquals(2, server.requests("PATCH", UPLOADS).size());
    assertEquals(1, server.requests("GET", UPLOADS).size());
    assertEquals(1, server.requests("PUT", UPLOADS).size());
  }

  @Test
  void aSourceThatIsNotTheBlobIsNeverCommittedAndItsSessionCancelled() {
    RegistryClient streamed = streamed(config());
    byte[] bytes = randomBytes(600_000);
    Descriptor blob = layer(bytes);
    byte[] other = bytes.clone();
    other[other.length - 1] ^= 1;
    BlobVerificationException e = assertThrows(BlobVerificationException.class, () -> streamed.pushBlob(REPO, blob, from(other)));
    assertTrue(e.getMessage().contains("push blob " + blob.digest() + ": digest mismatch"), e.getMessage());
    assertEquals(0, server.requests("PUT", UPLOADS).size());
    assertEquals(1, server.requests("DELETE", UPLOADS).size());
    assertEquals(0, server.openUploads());
  }

  @Test
  void anOffsetBeyondWhatWasSentFailsClearlyAndCancelsTheSession() {
    RegistryClient streamed = streamed(config());
    byte[] bytes = randomBytes(70_000);
    Descriptor blob = layer(bytes);
    // The PATCH breaks; the status check then claims more than the blob.
    server.fail(UPLOADS + "1", new Reset(10_000), new Answer(204, Map.of("Range", "0-99999999")));
    RegistryException e = assertThrows(RegistryException.class, () -> streamed.pushBlob(REPO, blob, from(bytes)));
    assertTrue(e.getMessage().contains("check upload of blob " + blob.digest()
        + ": after a failure the registry holds 100000000 bytes, though at most "), e.getMessage());
    assertFalse(e.isTransient());
    assertEquals(1, server.requests("PATCH", UPLOADS).size());
    assertEquals(0, server.requests("PUT", UPLOADS).size());
    assertEquals(0, server.openUploads());
  }

  @Test
  void aStreamedPatchMayOutlastTheTimeoutWhileTheRegistryTakesItsBytes() throws IOException {
    RegistryClient streamed = streamed(config().setTimeout(Duration.ofSeconds(1)).setIdleTimeout(Duration.ofSeconds(1)));
    // More than the sockets' buffers hold and the registry reads in its slow 2 s.
    byte[] bytes = randomBytes(16 << 20);
    Descriptor blob = layer(bytes);
    server.slowPatches();
    long start = System.nanoTime();
    streamed.pushBlob(REPO, blob, from(bytes));
    assertTrue(System.nanoTime() - start > 2_000_000_000L, "the registry took the bytes too fast to outlast the timeout");
    assertArrayEquals(bytes, server.storedBlob(blob.digest()));
    assertEquals(1, server.requests("PATCH", UPLOADS).size());
  }

  @Test
  void aStreamedPatchTheRegistryStopsTakingFailsAfterTheIdleTimeout() {
    RegistryClient streamed = streamed(config().setIdleTimeout(Duration.ofMillis(300)));
    // More than the sockets' buffers hold, so the client must wait for the registry to read.
    byte[] bytes = randomBytes(32 << 20);
    Descriptor blob = layer(bytes);
    server.deafToPatches();
    long start = System.nanoTime();
    RegistryException e = assertThrows(RegistryException.class, () -> streamed.pushBlob(REPO, blob, from(bytes)));
    assertTrue(e.getMessage().contains("the registry took no data for 300 ms (idle timeout) (gave up after 3 attempts)"),
        e.getMessage());
    assertTrue(System.nanoTime() - start < 20_000_000_000L, "not a hang");
    assertEquals(3, server.requests("PATCH", UPLOADS).size());
    assertEquals(0, server.openUploads());
  }

  @Test
  void bearerTokenIsFetchedWithTheCredentialsAndCachedPerScope() throws IOException {
    server.requireBearer("t0ken-pass");
    RegistryClient authed = RegistryClient.create(server.host(), config().setAuthFiles(authFile("mirror", "t0ken-pass")).build());
    assertEquals(MANIFEST_DIGEST, authed.pullManifest(REPO, "latest").descriptor().digest());
    assertTrue(authed.hasBlob(REPO, BLOB_DESC.digest()));
    assertArrayEquals(BLOB, pullVerified(authed));
    List<FaultServer.Request> tokens = server.requests("GET", "/token");
    assertEquals(1, tokens.size());
    assertEquals("service=fault&scope=repository%3Arepo%3Apull", tokens.get(0).query());
    // One challenge, then every request carries the token.
    assertEquals(2, server.requests("GET", MANIFEST_PATH).size());
    assertEquals(Optional.of("Bearer good-token"), server.requests("HEAD", BLOB_PATH).get(0).authorization());
  }

  @Test
  void aRefusedTokenRequestFailsWithoutRevealingThePassword() throws IOException {
    server.requireBearer("t0ken-pass");
    RegistryClient wrong = RegistryClient.create(server.host(), config().setAuthFiles(authFile("mirror", "wr0ng-pass")).build());
    RegistryException e = assertThrows(RegistryException.class, () -> wrong.pullManifest(REPO, "latest"));
    assertEquals(OptionalInt.of(401), e.status());
    assertEquals(
        "registry " + server.host() + ", repository repo, token request to 127.0.0.1: HTTP 401 Unauthorized"
            + " (with the credentials for user mirror)",
        e.getMessage());
    assertEquals(1, server.requests("GET", "/token").size());
  }

  @Test
  void aTokenThatExpiresDuringTheRunIsRenewedOnTheRegistrysChallenge() throws IOException {
    server.requireBearer("t0ken-pass");
    RegistryClient authed = RegistryClient.create(server.host(), config().setAuthFiles(authFile("mirror", "t0ken-pass")).build());
    authed.pullManifest(REPO, "latest");
    server.revokeTokens();
    assertEquals(MANIFEST_DIGEST, authed.pullManifest(REPO, "latest").descriptor().digest());
    assertEquals(2, server.requests("GET", "/token").size());
    List<FaultServer.Request> gets = server.requests("GET", MANIFEST_PATH);
    assertEquals(Optional.of("Bearer good-token"), gets.get(2).authorization());
    assertEquals(Optional.of("Bearer good-token-1"), gets.get(3).authorization());
    assertEquals(4, gets.size());
  }

  @Test
  void aTokenIsRenewedOncePerRequest() throws IOException {
    server.requireBearer("t0ken-pass");
    RegistryClient authed = RegistryClient.create(server.host(), config().setAuthFiles(authFile("mirror", "t0ken-pass")).build());
    authed.pullManifest(REPO, "latest");
    String challenge = "Bearer realm=\"https://" + server.host() + "/token\",service=\"fault\",error=\"invalid_token\"";
    Answer refused = new Answer(401, Map.of("WWW-Authenticate", challenge));
    server.fail(MANIFEST_PATH, refused, refused);
    RegistryException e = assertThrows(RegistryException.class, () -> authed.pullManifest(REPO, "latest"));
    assertEquals(OptionalInt.of(401), e.status());
    assertEquals(4, server.requests("GET", MANIFEST_PATH).size());
    assertEquals(2, server.requests("GET", "/token").size());
  }

  @Test
  void anIdentityTokenIsExchangedAtTheRealmAsARefreshToken() throws IOException {
    server.requireBearer("unused-password");
    server.acceptRefreshToken("refresh-Me-0");
    RegistryClient authed = RegistryClient.create(server.host(), config().setAuthFiles(identityTokenFile("refresh-Me-0")).build());
    assertEquals(MANIFEST_DIGEST, authed.pullManifest(REPO, "latest").descriptor().digest());
    assertEquals(List.of("grant_type=refresh_token&refresh_token=refresh-Me-0&service=fault"
        + "&scope=repository:repo:pull&client_id=layerfs"), server.tokenForms());
    assertEquals(List.of(), server.requests("GET", "/token"));
  }

  @Test
  void aHelpersIdentityTokenIsExchangedAtTheRealmToo() throws IOException {
    server.requireBearer("unused-password");
    server.acceptRefreshToken("helper-Refresh-1");
    Path bin = Files.createDirectories(dir.resolve("bin"));
    Path helper = bin.resolve("docker-credential-oauth");
    Files.writeString(helper, "#!/bin/sh\ncat >/dev/null\nprintf '{\"Username\":\"<token>\",\"Secret\":\"helper-Refresh-1\"}'\n");
    Files.setPosixFilePermissions(helper, PosixFilePermissions.fromString("rwx------"));
    Path file = dir.resolve("helped.json");
    Files.writeString(file, "{\"credHelpers\":{\"" + server.host() + "\":\"oauth\"}}");
    CredentialStore store = new CredentialStore(ImmutableList.of(file.toString()), bin.toString(), Duration.ofSeconds(20));
    RegistryClient authed = RegistryClient.create(server.host(), config().build(), store);
    assertEquals(MANIFEST_DIGEST, authed.pullManifest(REPO, "latest").descriptor().digest());
    assertEquals(List.of("grant_type=refresh_token&refresh_token=helper-Refresh-1&service=fault"
        + "&scope=repository:repo:pull&client_id=layerfs"), server.tokenForms());
  }

  @Test
  void aRefusedIdentityTokenFailsWithoutRevealingIt() throws IOException {
    server.requireBearer("unused-password");
    server.acceptRefreshToken("refresh-Me-0");
    RegistryClient authed = RegistryClient.create(server.host(), config().setAuthFiles(identityTokenFile("stale-Refresh-9")).build());
    RegistryException e = assertThrows(RegistryException.class, () -> authed.pullManifest(REPO, "latest"));
    assertEquals(
        "registry " + server.host() + ", repository repo, token request to 127.0.0.1: HTTP 401 Unauthorized"
            + " (with an identity token)",
        e.getMessage());
  }

  /**
   * A client whose answers may pause 300 ms at most, connected before the test's faults: the
   * JVM's first TLS handshake (the probe makes none) takes longer than that on a loaded machine,
   * and is not what these tests time.
   */
  private RegistryClient impatient() throws IOException {
    client.hasBlob(REPO, BLOB_DESC.digest());
    RegistryClient impatient = RegistryClient.create(server.host(), config().setIdleTimeout(Duration.ofMillis(300)).build());
    impatient.hasBlob(REPO, BLOB_DESC.digest());
    return impatient;
  }

  @Test
  void aBodyThatStallsIsResumedFromTheByteItStopped() throws IOException {
    RegistryClient impatient = impatient();
    server.fail(BLOB_PATH, new Stall(30_000));
    assertArrayEquals(BLOB, pullVerified(impatient));
    List<FaultServer.Request> gets = server.requests("GET", BLOB_PATH);
    assertEquals(2, gets.size());
    assertEquals(Optional.of("bytes=30000-"), gets.get(1).range());
  }

  @Test
  void aBlobThatKeepsStallingFailsNamingTheBlob() throws IOException {
    RegistryClient impatient = impatient();
    server.fail(BLOB_PATH, new Stall(30_000), new Stall(0), new Stall(0), new Stall(0));
    long start = System.nanoTime();
    RegistryException e = assertThrows(RegistryException.class, () -> pullVerified(impatient));
    assertEquals(
        "registry " + server.host() + ", repository repo, pull blob " + BLOB_DESC.digest()
            + ": broken at byte 30000 of 100000 3 times in a row: no data received for 300 ms (idle timeout)",
        e.getMessage());
    // Three idle timeouts and two short pauses, not a hang.
    assertTrue(System.nanoTime() - start < 10_000_000_000L);
    assertEquals(3, server.requests("GET", BLOB_PATH).size());
  }

  @Test
  void aManifestThatStallsIsAskedForAgain() throws IOException {
    RegistryClient impatient = impatient();
    server.fail(MANIFEST_PATH, new Stall(10));
    assertEquals(MANIFEST_DIGEST, impatient.pullManifest(REPO, "latest").descriptor().digest());
    assertEquals(2, server.requests("GET", MANIFEST_PATH).size());
  }

  @Test
  void aReadWhoseHeadersNeverComeIsAskedForAgainAfterTheIdleTimeout() throws IOException {
    RegistryClient impatient = impatient();
    server.fail(MANIFEST_PATH, new Silence());
    long start = System.nanoTime();
    assertEquals(MANIFEST_DIGEST, impatient.pullManifest(REPO, "latest").descriptor().digest());
    assertTrue(System.nanoTime() - start < 10_000_000_000L); // not the 60 s request timeout
    assertEquals(2, server.requests("GET", MANIFEST_PATH).size());
  }

  @Test
  void aLocationThatIsNoUriFailsThatUploadOnly() {
    server.fail(UPLOADS, new Answer(202, Map.of("Location", "http://[not a uri")));
    RegistryException e = assertThrows(RegistryException.class, () -> push(client, randomBytes(1000)));
    assertFalse(e.isTransient());
    assertTrue(e.getMessage().startsWith("registry " + server.host() + ", repository repo, start upload of blob sha256:"),
        e.getMessage());
    assertEquals(1, server.requests("POST", UPLOADS).size());
  }

  @Test
  void aRedirectedPullTakesNoCredentialsToTheOtherHost() throws IOException {
    server.requireBearer("t0ken-pass");
    try (FaultServer storage = new FaultServer()) {
      storage.blob(BLOB_DESC.digest(), BLOB);
      server.fail(BLOB_PATH, new Answer(307, Map.of("Location", "https://" + storage.host() + BLOB_PATH)));
      RegistryClient authed =
          RegistryClient.create(server.host(), config().setAuthFiles(authFile("mirror", "t0ken-pass")).build());
      assertArrayEquals(BLOB, pullVerified(authed));
      assertEquals(Optional.of("Bearer good-token"), server.requests("GET", BLOB_PATH).get(1).authorization());
      List<FaultServer.Request> redirected = storage.requests("GET", BLOB_PATH);
      assertEquals(1, redirected.size());
      assertEquals(Optional.empty(), redirected.get(0).authorization());
    }
  }

  @Test
  void aRedirectToNoUriFailsThatPullOnly() {
    server.fail(BLOB_PATH, new Answer(307, Map.of("Location", "http://[not a uri")));
    RegistryException e = assertThrows(RegistryException.class, () -> pullVerified(client));
    assertTrue(e.getMessage().contains("pull blob " + BLOB_DESC.digest()), e.getMessage());
  }

  @Test
  void aRealmThatIsNoUriFailsThatRequestOnly() {
    server.fail(MANIFEST_PATH, new Answer(401, Map.of("WWW-Authenticate", "Bearer realm=\"::not a uri::\",service=\"x\"")));
    RegistryException e = assertThrows(RegistryException.class, () -> client.pullManifest(REPO, "latest"));
    assertFalse(e.isTransient());
    assertEquals(
        "registry " + server.host() + ", repository repo, token request: the Bearer challenge's realm"
            + " \"::not a uri::\" is not an http(s) URI",
        e.getMessage());
  }

  @Test
  void anUploadThatCannotStartSendsOnePostPerAttempt() {
    server.fail(UPLOADS, Status.of(500), Status.of(500), Status.of(500), Status.of(500), Status.of(500),
        Status.of(500), Status.of(500), Status.of(500), Status.of(500), Status.of(500));
    RegistryException e = assertThrows(RegistryException.class, () -> push(client, randomBytes(1000)));
    assertTrue(e.getMessage().endsWith("(gave up after 3 attempts)"), e.getMessage());
    assertEquals(3, server.requests("POST", UPLOADS).size());
  }

  @Test
  void aFinalPutThatKeepsFailingRestartsOncePerAttemptAndCancelsEverySession() {
    server.fail(UPLOADS + "1", Status.of(500));
    server.fail(UPLOADS + "2", Status.of(500));
    server.fail(UPLOADS + "3", Status.of(500));
    assertThrows(RegistryException.class, () -> push(client, randomBytes(1000)));
    assertEquals(3, server.requests("POST", UPLOADS).size());
    assertEquals(3, server.requests("PUT", UPLOADS).size());
    assertEquals(3, server.requests("DELETE", UPLOADS).size());
    assertEquals(0, server.openUploads());
  }

  @Test
  void aPatchThatKeepsFailingIsSentUnderOneRetryPolicyAndItsSessionCancelled() {
    RegistryClient streamed = streamed(config());
    // The PATCH, then both status checks of the later attempts.
    server.fail(UPLOADS + "1", Status.of(500), Status.of(500), Status.of(500));
    assertThrows(RegistryException.class, () -> push(streamed, randomBytes(70_000)));
    assertEquals(1, server.requests("PATCH", UPLOADS).size());
    assertEquals(2, server.requests("GET", UPLOADS).size());
    assertEquals(0, server.openUploads());
  }

  @Test
  void aResumedPullThatKeepsFailingStaysWithinTheAttempts() {
    server.fail(BLOB_PATH, new Cut(10_000), Status.of(500), Status.of(500), Status.of(500), Status.of(500));
    RegistryException e = assertThrows(RegistryException.class, () -> pullVerified(client));
    assertTrue(e.getMessage().contains("pull blob " + BLOB_DESC.digest() + ": broken at byte 10000 of 100000 3 times"),
        e.getMessage());
    assertEquals(3, server.requests("GET", BLOB_PATH).size());
  }

  @Test
  void aDryRunOfRemovingASharedTagAsksWhetherTheRegistryDeletesATagAloneAndDeletesNothing() throws IOException {
    server.manifest("other", MediaTypes.OCI_MANIFEST, MANIFEST, MANIFEST_DIGEST);
    try (RegistryDestination dest = RegistryDestination.open(ImageReference.parse("docker://" + server.host() + "/" + REPO), config().build())) {
      TagRemoval planned = dest.planTagRemoval(List.of("other"));

      assertEquals(new TagRemoval(ImmutableList.of("other"), ImmutableMap.of()), planned);
      assertEquals(List.of("latest", "other"), dest.tags());
      List<FaultServer.Request> deletes = server.requests("DELETE", "/v2/repo/manifests/");
      assertEquals(1, deletes.size(), deletes::toString);
      assertTrue(deletes.get(0).path().startsWith("/v2/repo/manifests/layerfs-dry-run-"), deletes::toString);
      assertEquals(planned, dest.removeTags(List.of("other")));
      assertEquals(List.of("latest"), dest.tags());
    }
  }

  @Test
  void aPlainHttpRegistryIsReadWithTlsVerifyFalse() throws IOException {
    try (FaultServer plain = FaultServer.plain()) {
      plain.blob(BLOB_DESC.digest(), BLOB);
      plain.manifest("latest", MediaTypes.OCI_MANIFEST, MANIFEST, MANIFEST_DIGEST);
      // A short timeout: a plain server may wait for the rest of the TLS greeting it cannot read.
      RegistryClient c = RegistryClient.create(plain.host(), config().setTimeout(Duration.ofSeconds(2)).build());
      assertEquals(MANIFEST_DIGEST, c.pullManifest(REPO, "latest").descriptor().digest());
      assertArrayEquals(BLOB, pullVerified(c));
      push(c, randomBytes(1000));
    }
  }

  @Test
  void aRegistryThatSpeaksTlsGetsNothingInClear() throws IOException {
    try (RequestTap tap = new RequestTap(server.host())) {
      RegistryClient c = RegistryClient.create(tap.host(), config().build());
      assertEquals(MANIFEST_DIGEST, c.pullManifest(REPO, "latest").descriptor().digest());
      assertArrayEquals(BLOB, pullVerified(c));
      assertTrue(tap.tlsProbes() > 0, "no connection opened with a TLS handshake");
      assertEquals(0, tap.connections(), () -> "connections in clear text: " + tap.requests());
    }
  }

  /** A client that streams every blob in a PATCH, however small. */
  private RegistryClient streamed(RegistryConfig.Builder config) {
    return RegistryClient.create(server.host(), config.setStreamedUploadThreshold(1).build());
  }

  /** The descriptor of a layer blob holding {@code bytes}. */
  private static Descriptor layer(byte[] bytes) {
    return Descriptor.of(MediaTypes.OCI_LAYER, Digest.sha256(bytes), bytes.length);
  }

  /** A source of {@code bytes} that opens at any offset. */
  private static BlobOpener from(byte[] bytes) {
    return offset -> new ByteArrayInputStream(bytes, (int) offset, bytes.length - (int) offset);
  }

  private static void push(RegistryClient c, byte[] bytes) throws IOException {
    Descriptor blob = layer(bytes);
    c.pushBlob(REPO, blob, new ByteArrayInputStream(bytes));
  }

  private ImmutableList<String> identityTokenFile(String token) throws IOException {
    Path file = dir.resolve("identity.json");
    Files.writeString(file, "{\"auths\":{\"" + server.host() + "\":{\"identitytoken\":\"" + token + "\"}}}");
    return ImmutableList.of(file.toString());
  }

  private ImmutableList<String> authFile(String user, String password) throws IOException {
    String auth = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(UTF_8));
    Path file = dir.resolve("auth.json");
    Files.writeString(file, "{\"auths\":{\"" + server.host() + "\":{\"auth\":\"" + auth + "\"}}}");
    return ImmutableList.of(file.toString());
  }
}
