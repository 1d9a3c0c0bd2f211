/**
 * The object store of a shared chunk store in S3: the AWS SDK v2 against any S3 API (AWS, Ceph
 * radosgw, MinIO), path-style addressing for the latter, retries with backoff on transient faults.
 */
package io.strata.s3;
