// The frame of an nginx configuration for a test that runs Debian's nginx as itself, in
// the foreground, with every file it writes in `dir`; `http` is what goes inside the
// http block (the site or upstream taken from docs/deploy.md).

export function nginxMainConfig(
  dir: string,
  http: string,
  {
    errorLogLevel,
    workerConnections,
  }: { errorLogLevel: 'info' | 'warn'; workerConnections: number },
): string {
  return `
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log ${errorLogLevel};
events { worker_connections ${workerConnections}; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
${http}
}
`
}
