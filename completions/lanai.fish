complete -c lanai -s r -l document-root -d 'Folder to serve; the later of this and ROOT wins [default: the current folder]' -r -f -a "(__fish_complete_directories)"
complete -c lanai -s p -l port -d 'Port to listen on; 0 picks a free one (the start-up line names it)' -r
complete -c lanai -l host -d 'Address to listen on: 127.0.0.1 keeps it on this machine, 0.0.0.0 or :: serves the LAN' -r -f -a "(__fish_print_hostnames)"
complete -c lanai -l allowed-host -d 'Also answer requests for this host name (NAME), a domain and its subdomains (.DOMAIN), or any name (\'*\', which lets every web page read what lanai serves); repeatable. IP addresses, localhost and *.localhost are always answered, and this machine\'s name when serving the LAN' -r -f -a "(__fish_print_hostnames)"
complete -c lanai -s w -l workers -d 'Executor threads [default: the number of CPUs]' -r
complete -c lanai -l read-timeout -d 'Seconds a client has to send a whole request head' -r
complete -c lanai -l keep-alive-timeout -d 'Seconds an idle keep-alive connection may wait for its next request before it is closed' -r
complete -c lanai -l max-connections -d 'Most connections open at once; past it new ones are answered 503 and closed' -r
complete -c lanai -l shutdown-timeout -d 'Seconds to let responses in flight finish after SIGINT or SIGTERM (Ctrl-C); a second signal exits at once' -r
complete -c lanai -l cache-control -d 'Cache-Control sent with every response; the default makes browsers revalidate (cheap 304s) on every load' -r
complete -c lanai -l rules -d 'Read _redirects and _headers as this host does where Netlify and Cloudflare Pages differ (default status, files before rules, limits); README\'s rules section lists each difference' -r -f -a "netlify\t''
cloudflare\t''"
complete -c lanai -l charset -d 'Append this charset to textual Content-Types, e.g. --charset utf-8' -r
complete -c lanai -l header -d 'Add a header to every response, e.g. --header "X-Frame-Options: DENY"; repeatable' -r
complete -c lanai -l proxy -d 'Send requests whose path starts with PREFIX (at a segment boundary) to an http:// or https:// upstream. A URL without a path keeps the request\'s path (--proxy /api=http://127.0.0.1:3000: /api/users goes to /api/users, as with Vite and nginx); a URL with a path, even /, replaces the prefix with it (/api=http://127.0.0.1:3000/: /api/users goes to /users). Repeatable: the longest matching prefix wins. WebSocket upgrades and streamed bodies pass through; redirects and cookies that name the upstream are made to name lanai' -r
complete -c lanai -l proxy-timeout -d 'Seconds a proxied upstream may take to accept the connection and to begin its answer before lanai gives up with a 504; once the answer has begun, its body may be quiet for as long as the client waits' -r
complete -c lanai -l compress-cache -d 'Memory for compressed responses kept for reuse, e.g. 64M; a body over an eighth of it is compressed as it is sent instead' -r
complete -c lanai -l tls-cert -d 'Serve HTTPS with this PEM certificate chain instead of the local CA\'s (with --tls-key)' -r -F
complete -c lanai -l tls-key -d 'The PEM private key of --tls-cert' -r -F
complete -c lanai -l auth -d 'Ask for this user name and password (HTTP Basic) before serving anything; repeatable' -r
complete -c lanai -l auth-file -d 'Ask for credentials from this htpasswd file (bcrypt as `htpasswd -nbB` writes, or $argon2id$ hashes)' -r -F
complete -c lanai -l upload-limit -d 'Largest file one upload may bring, e.g. 512M or 4G; past it 413' -r
complete -c lanai -l upload-auth -d 'Only this user name and password (HTTP Basic) may upload, while reading stays as it is; repeatable' -r
complete -c lanai -l upload-auth-file -d 'Only users of this htpasswd file may upload (as --auth-file reads it)' -r -F
complete -c lanai -l log-file -d 'Also append the log to this file' -r -F
complete -c lanai -l generate -d 'Print the man page or a shell\'s completion script, then exit' -r -f -a "man\t''
bash\t''
zsh\t''
fish\t''
powershell\t''
elvish\t''"
complete -c lanai -l listing -d 'Show an HTML listing for a folder that has no index.html (otherwise 404)'
complete -c lanai -l no-archives -d 'With --listing, do not offer folders as archives (GET /folder/?download=zip, tar or tar.gz)'
complete -c lanai -l spa -d 'Single-page app: a missing path without an extension, asked for by a browser, gets the root index.html'
complete -c lanai -l clean-urls -d 'Clean URLs: /about serves about.html, and /about.html redirects to /about (folders keep their index)'
complete -c lanai -l hidden -d 'Serve hidden files and folders (names starting with a dot, such as .env or .git/)'
complete -c lanai -l follow-symlinks -d 'Follow symbolic links that lead outside the document root (by default only links inside it are followed)'
complete -c lanai -l cors -d 'Allow cross-origin requests: Access-Control-Allow-Origin: * and answers to OPTIONS preflights'
complete -c lanai -l isolate -d 'Cross-origin isolation (COOP same-origin, COEP require-corp), so pages can use SharedArrayBuffer'
complete -c lanai -l proxy-keep-host -d 'Send the client\'s own Host and Origin to proxied upstreams, instead of the upstream\'s Host and, for lanai\'s own origin, the upstream\'s origin'
complete -c lanai -l proxy-insecure -d 'Take any certificate from https:// upstreams (for a dev back end with a self-signed one): the connection is encrypted but not authenticated'
complete -c lanai -l live -d 'Live reload: watch the folder and update open pages on every save (stylesheets swap in place)'
complete -c lanai -l no-console -d 'With --live, keep the pages\' console to themselves: by default their errors and warnings (and console.log with -v) are printed here, under the device\'s name'
complete -c lanai -l no-compress -d 'Do not compress responses on the fly (precompressed .br/.zst/.gz files are still sent)'
complete -c lanai -s q -l quiet -d 'No access log (warnings and errors are still printed); the later of this and --verbose wins'
complete -c lanai -s v -l verbose -d 'More detail in the log, such as why a path was refused; repeat for more'
complete -c lanai -l open -d 'Open the site in the default browser once lanai listens ($BROWSER first, then the system\'s opener)'
complete -c lanai -l https -d 'Serve HTTPS with a certificate from lanai\'s own local CA, made on first use; plain HTTP on the same port is redirected, except the pages that help a device trust the CA (/.lanai/start)'
complete -c lanai -l print-ca -d 'Print the certificate of lanai\'s local CA (PEM), making the CA first if needed, then exit'
complete -c lanai -l new-ca -d 'Replace lanai\'s local CA and its certificate with new ones, then exit; devices that trusted the old CA must install the new one'
complete -c lanai -l upload -d 'Accept uploads into the served folder: PUT /path/name (curl -T), and files sent from a listing page'
complete -c lanai -l upload-overwrite -d 'Let an upload replace a file that exists (otherwise 409 Conflict)'
complete -c lanai -l no-config -d 'Skip the config file (LANAI_CONFIG, or the per-user one that FILES in lanai(1) names)'
complete -c lanai -s h -l help -d 'Print help'
complete -c lanai -s V -l version -d 'Print version'
