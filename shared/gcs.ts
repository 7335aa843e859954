/** Google Cloud Storage references: gs://bucket/object -> the object's page in the Cloud console. */
export function gcsConsoleUrl(gcsUri: string): string | null {
  const match = /^gs:\/\/([a-z0-9][a-z0-9._-]{1,220}[a-z0-9])\/(.+)$/.exec(gcsUri);
  if (!match) return null;
  const [, bucket, object] = match;
  const path = object!.split('/').map(encodeURIComponent).join('/');
  return `https://console.cloud.google.com/storage/browser/_details/${bucket}/${path}`;
}
