package io.strata.s3;

import io.strata.store.remote.ObjectStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.profiles.ProfileFile;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A bucket and prefix in S3 through the AWS SDK v2. The SDK retries transient faults (connection
 * errors, timeouts, 500, 503, SlowDown) with exponential backoff and jitter, up to {@link
 * S3Settings#maxAttempts} tries; an error that outlasts them is thrown as an {@link IOException}
 * naming the bucket, the key and the operation.
 */
public final class S3ObjectStore implements ObjectStore {
  private static final System.Logger LOG = System.getLogger(S3ObjectStore.class.getName());

  private final S3Settings settings;
  private final S3Client s3;

  private S3ObjectStore(S3Settings settings, S3Client s3) {
    this.settings = settings;
    this.s3 = s3;
  }

  /** Connects, creating the bucket if it does not exist. */
  public static S3ObjectStore open(S3Settings settings) throws IOException {
    var b =
        S3Client.builder()
            .httpClient(
                UrlConnectionHttpClient.builder()
                    .connectionTimeout(Duration.ofSeconds(5))
                    .socketTimeout(Duration.ofSeconds(60))
                    .build())
            .region(Region.of(settings.region()))
            .credentialsProvider(credentials(settings))
            .forcePathStyle(settings.pathStyle())
            // No "Expect: 100-continue" on PUTs. radosgw answers a PUT it refuses once it runs it
            // (a full bucket quota) with "100 Continue" and the final 403 back to back; the JDK's
            // HttpURLConnection often reads both at once, keeps the 100, drops the 403 with that
            // buffer, sends the body and then waits for the answer it already read until the
            // socket timeout (60 s an attempt, retried by the SDK). Without the header radosgw
            // refuses the request as it comes and drops the body, and the client reads the 403
            // once the body is sent: about a second, with the error code (AM3).
            .serviceConfiguration(S3Configuration.builder().expectContinueEnabled(false).build())
            // Checksums only where S3 requires them: older S3 servers (radosgw 16) refuse the
            // trailing checksums newer SDKs send by default. Packs and segments carry CRCs.
            .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
            .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
            .overrideConfiguration(
                ClientOverrideConfiguration.builder()
                    .retryStrategy(r -> r.maxAttempts(settings.maxAttempts()).build())
                    .apiCallAttemptTimeout(Duration.ofSeconds(60))
                    .apiCallTimeout(Duration.ofMinutes(5))
                    .build());
    if (settings.endpoint() != null) {
      b.endpointOverride(settings.endpoint());
    }
    S3ObjectStore store = new S3ObjectStore(settings, b.build());
    store.ensureBucket();
    return store;
  }

  private static AwsCredentialsProvider credentials(S3Settings s) throws IOException {
    if (s.credentials() == null) {
      return DefaultCredentialsProvider.builder().build();
    }
    if (!Files.isReadable(s.credentials())) {
      throw new IOException("S3 credentials file " + s.credentials() + " cannot be read");
    }
    return ProfileCredentialsProvider.builder()
        .profileFile(
            ProfileFile.builder()
                .content(s.credentials())
                .type(ProfileFile.Type.CREDENTIALS)
                .build())
        .profileName("default")
        .build();
  }

  private void ensureBucket() throws IOException {
    try {
      s3.headBucket(r -> r.bucket(settings.bucket()));
    } catch (NoSuchBucketException e) {
      call("create bucket", "", () -> s3.createBucket(r -> r.bucket(settings.bucket())));
      LOG.log(System.Logger.Level.INFO, "created bucket {0} at {1}", settings.bucket(), endpoint());
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        call("create bucket", "", () -> s3.createBucket(r -> r.bucket(settings.bucket())));
        return;
      }
      throw failure("reach the bucket", "", e);
    } catch (SdkException e) {
      throw failure("reach the bucket", "", e);
    }
  }

  private String endpoint() {
    return settings.endpoint() != null
        ? settings.endpoint().toString()
        : "AWS " + settings.region();
  }

  @Override
  public String location() {
    return settings.location();
  }

  @Override
  public String describe() {
    return settings.location() + " at " + endpoint();
  }

  private String key(String k) {
    return settings.prefix() + k;
  }

  @Override
  public void put(String key, byte[] data) throws IOException {
    call(
        "PUT",
        key,
        () ->
            s3.putObject(
                r -> r.bucket(settings.bucket()).key(key(key)), RequestBody.fromBytes(data)));
  }

  @Override
  public void put(String key, Path file) throws IOException {
    call(
        "PUT",
        key,
        () ->
            s3.putObject(
                r -> r.bucket(settings.bucket()).key(key(key)), RequestBody.fromFile(file)));
  }

  @Override
  public boolean create(String key, byte[] data) throws IOException {
    try {
      s3.putObject(
          r -> r.bucket(settings.bucket()).key(key(key)).ifNoneMatch("*"),
          RequestBody.fromBytes(data));
      return true;
    } catch (S3Exception e) {
      if (e.statusCode() == 412 || e.statusCode() == 409) {
        return false;
      }
      throw failure("PUT (if absent)", key, e);
    } catch (SdkException e) {
      throw failure("PUT (if absent)", key, e);
    }
  }

  @Override
  public byte[] get(String key) throws IOException {
    try {
      return s3.getObjectAsBytes(r -> r.bucket(settings.bucket()).key(key(key))).asByteArray();
    } catch (NoSuchKeyException e) {
      return null;
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        return null;
      }
      throw failure("GET", key, e);
    } catch (SdkException e) {
      throw failure("GET", key, e);
    }
  }

  @Override
  public void read(String key, long offset, byte[] dst, int off, int len) throws IOException {
    if (len == 0) {
      return;
    }
    String range = "bytes=" + offset + "-" + (offset + len - 1);
    try (ResponseInputStream<GetObjectResponse> in =
        s3.getObject(r -> r.bucket(settings.bucket()).key(key(key)).range(range))) {
      int n = readFully(in, dst, off, len);
      if (n != len) {
        throw new IOException(
            describe() + ": " + key + " ends before byte " + (offset + len) + " (ranged GET)");
      }
    } catch (NoSuchKeyException e) {
      throw new io.strata.store.remote.MissingObjectException(
          describe() + ": " + key + " is not in the bucket", e);
    } catch (SdkException e) {
      throw failure("GET " + range + " of", key, e);
    }
  }

  private static int readFully(InputStream in, byte[] b, int off, int len) throws IOException {
    int done = 0;
    while (done < len) {
      int n = in.read(b, off + done, len - done);
      if (n < 0) {
        break;
      }
      done += n;
    }
    return done;
  }

  @Override
  public void list(String prefix, Visitor visitor) throws IOException {
    ListObjectsV2Request req =
        ListObjectsV2Request.builder().bucket(settings.bucket()).prefix(key(prefix)).build();
    try {
      for (var page : s3.listObjectsV2Paginator(req)) {
        for (S3Object o : page.contents()) {
          visitor.object(o.key().substring(settings.prefix().length()), o.size());
        }
      }
    } catch (SdkException e) {
      throw failure("LIST", prefix, e);
    }
  }

  @Override
  public void listTagged(String prefix, TaggedVisitor visitor) throws IOException {
    ListObjectsV2Request req =
        ListObjectsV2Request.builder().bucket(settings.bucket()).prefix(key(prefix)).build();
    try {
      for (var page : s3.listObjectsV2Paginator(req)) {
        for (S3Object o : page.contents()) {
          String etag = o.eTag() == null ? null : o.eTag().replace("\"", "");
          visitor.object(o.key().substring(settings.prefix().length()), o.size(), etag);
        }
      }
    } catch (SdkException e) {
      throw failure("LIST", prefix, e);
    }
  }

  @Override
  public void delete(String key) throws IOException {
    call("DELETE", key, () -> s3.deleteObject(r -> r.bucket(settings.bucket()).key(key(key))));
  }

  @Override
  public void close() {
    s3.close();
  }

  private void call(String what, String key, Runnable op) throws IOException {
    try {
      op.run();
    } catch (SdkException e) {
      throw failure(what, key, e);
    }
  }

  private IOException failure(String what, String key, SdkException e) {
    String msg = e.getMessage();
    if (e instanceof S3Exception s && s.awsErrorDetails() != null) {
      // radosgw sends some codes (QuotaExceeded) with an empty message: the code is the reason.
      String detail = s.awsErrorDetails().errorMessage();
      msg =
          s.statusCode()
              + " "
              + s.awsErrorDetails().errorCode()
              + (detail == null || detail.isBlank() ? "" : ": " + detail);
    }
    return new IOException(
        describe() + ": " + what + " " + (key.isEmpty() ? "" : key + " ") + "failed: " + msg, e);
  }
}
