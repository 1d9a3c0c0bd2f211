package io.strata.s3;

import io.strata.store.error.InvalidArgumentException;
import java.net.URI;
import java.nio.file.Path;

/**
 * Where a shared store's bucket is and how to reach it.
 *
 * @param bucket the bucket
 * @param prefix the key prefix inside it ("" or ending in "/")
 * @param endpoint the S3 endpoint (null: AWS's for the region)
 * @param region the SigV4 signing region
 * @param credentials an AWS shared credentials file ({@code [default]} with {@code
 *     aws_access_key_id} and {@code aws_secret_access_key}); null: the SDK's default chain
 * @param pathStyle {@code http://host/bucket/key} rather than {@code http://bucket.host/key}
 *     (needed by radosgw and MinIO without DNS wildcards)
 * @param maxAttempts tries of each request before an error reaches the caller
 */
public record S3Settings(
    String bucket,
    String prefix,
    URI endpoint,
    String region,
    Path credentials,
    boolean pathStyle,
    int maxAttempts) {
  public static final String DEFAULT_REGION = "us-east-1";
  public static final int DEFAULT_MAX_ATTEMPTS = 6;

  /** Parses {@code s3://BUCKET[/PREFIX]}. */
  public static S3Settings parse(String store) {
    if (store == null || !store.startsWith("s3://")) {
      throw new InvalidArgumentException("store " + store + " is not s3://BUCKET[/PREFIX]");
    }
    String rest = store.substring("s3://".length());
    int slash = rest.indexOf('/');
    String bucket = slash < 0 ? rest : rest.substring(0, slash);
    String prefix = slash < 0 ? "" : rest.substring(slash + 1);
    if (!bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
      throw new InvalidArgumentException(
          "store " + store + ": bucket name " + bucket + " is not a valid S3 bucket name");
    }
    if (!prefix.isEmpty() && !prefix.endsWith("/")) {
      prefix = prefix + "/";
    }
    if (prefix.startsWith("/") || prefix.contains("//")) {
      throw new InvalidArgumentException("store " + store + ": the prefix has an empty segment");
    }
    return new S3Settings(bucket, prefix, null, DEFAULT_REGION, null, false, DEFAULT_MAX_ATTEMPTS);
  }

  public S3Settings withEndpoint(URI e) {
    return new S3Settings(bucket, prefix, e, region, credentials, pathStyle, maxAttempts);
  }

  public S3Settings withRegion(String r) {
    return new S3Settings(bucket, prefix, endpoint, r, credentials, pathStyle, maxAttempts);
  }

  public S3Settings withCredentials(Path c) {
    return new S3Settings(bucket, prefix, endpoint, region, c, pathStyle, maxAttempts);
  }

  public S3Settings withPathStyle(boolean p) {
    return new S3Settings(bucket, prefix, endpoint, region, credentials, p, maxAttempts);
  }

  public S3Settings withMaxAttempts(int n) {
    return new S3Settings(bucket, prefix, endpoint, region, credentials, pathStyle, n);
  }

  /** {@code s3://bucket/prefix}: what names the shared store. */
  public String location() {
    return "s3://" + bucket + "/" + prefix;
  }
}
