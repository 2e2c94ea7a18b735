
use builtin;
use str;

set edit:completion:arg-completer[lanai] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'lanai'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'lanai'= {
            cand -r 'Folder to serve; the later of this and ROOT wins [default: the current folder]'
            cand --document-root 'Folder to serve; the later of this and ROOT wins [default: the current folder]'
            cand -p 'Port to listen on; 0 picks a free one (the start-up line names it)'
            cand --port 'Port to listen on; 0 picks a free one (the start-up line names it)'
            cand --host 'Address to listen on: 127.0.0.1 keeps it on this machine, 0.0.0.0 or :: serves the LAN'
            cand --allowed-host 'Also answer requests for this host name (NAME), a domain and its subdomains (.DOMAIN), or any name (''*'', which lets every web page read what lanai serves); repeatable. IP addresses, localhost and *.localhost are always answered, and this machine''s name when serving the LAN'
            cand -w 'Executor threads [default: the number of CPUs]'
            cand --workers 'Executor threads [default: the number of CPUs]'
            cand --read-timeout 'Seconds a client has to send a whole request head'
            cand --keep-alive-timeout 'Seconds an idle keep-alive connection may wait for its next request before it is closed'
            cand --max-connections 'Most connections open at once; past it new ones are answered 503 and closed'
            cand --shutdown-timeout 'Seconds to let responses in flight finish after SIGINT or SIGTERM (Ctrl-C); a second signal exits at once'
            cand --cache-control 'Cache-Control sent with every response; the default makes browsers revalidate (cheap 304s) on every load'
            cand --rules 'Read _redirects and _headers as this host does where Netlify and Cloudflare Pages differ (default status, files before rules, limits); README''s rules section lists each difference'
            cand --charset 'Append this charset to textual Content-Types, e.g. --charset utf-8'
            cand --header 'Add a header to every response, e.g. --header "X-Frame-Options: DENY"; repeatable'
            cand --proxy 'Send requests whose path starts with PREFIX (at a segment boundary) to an http:// or https:// upstream. A URL without a path keeps the request''s path (--proxy /api=http://127.0.0.1:3000: /api/users goes to /api/users, as with Vite and nginx); a URL with a path, even /, replaces the prefix with it (/api=http://127.0.0.1:3000/: /api/users goes to /users). Repeatable: the longest matching prefix wins. WebSocket upgrades and streamed bodies pass through; redirects and cookies that name the upstream are made to name lanai'
            cand --proxy-timeout 'Seconds a proxied upstream may take to accept the connection and to begin its answer before lanai gives up with a 504; once the answer has begun, its body may be quiet for as long as the client waits'
            cand --compress-cache 'Memory for compressed responses kept for reuse, e.g. 64M; a body over an eighth of it is compressed as it is sent instead'
            cand --tls-cert 'Serve HTTPS with this PEM certificate chain instead of the local CA''s (with --tls-key)'
            cand --tls-key 'The PEM private key of --tls-cert'
            cand --auth 'Ask for this user name and password (HTTP Basic) before serving anything; repeatable'
            cand --auth-file 'Ask for credentials from this htpasswd file (bcrypt as `htpasswd -nbB` writes, or $argon2id$ hashes)'
            cand --upload-limit 'Largest file one upload may bring, e.g. 512M or 4G; past it 413'
            cand --upload-auth 'Only this user name and password (HTTP Basic) may upload, while reading stays as it is; repeatable'
            cand --upload-auth-file 'Only users of this htpasswd file may upload (as --auth-file reads it)'
            cand --log-file 'Also append the log to this file'
            cand --generate 'Print the man page or a shell''s completion script, then exit'
            cand --listing 'Show an HTML listing for a folder that has no index.html (otherwise 404)'
            cand --no-archives 'With --listing, do not offer folders as archives (GET /folder/?download=zip, tar or tar.gz)'
            cand --spa 'Single-page app: a missing path without an extension, asked for by a browser, gets the root index.html'
            cand --clean-urls 'Clean URLs: /about serves about.html, and /about.html redirects to /about (folders keep their index)'
            cand --hidden 'Serve hidden files and folders (names starting with a dot, such as .env or .git/)'
            cand --follow-symlinks 'Follow symbolic links that lead outside the document root (by default only links inside it are followed)'
            cand --cors 'Allow cross-origin requests: Access-Control-Allow-Origin: * and answers to OPTIONS preflights'
            cand --isolate 'Cross-origin isolation (COOP same-origin, COEP require-corp), so pages can use SharedArrayBuffer'
            cand --proxy-keep-host 'Send the client''s own Host and Origin to proxied upstreams, instead of the upstream''s Host and, for lanai''s own origin, the upstream''s origin'
            cand --proxy-insecure 'Take any certificate from https:// upstreams (for a dev back end with a self-signed one): the connection is encrypted but not authenticated'
            cand --live 'Live reload: watch the folder and update open pages on every save (stylesheets swap in place)'
            cand --no-console 'With --live, keep the pages'' console to themselves: by default their errors and warnings (and console.log with -v) are printed here, under the device''s name'
            cand --no-compress 'Do not compress responses on the fly (precompressed .br/.zst/.gz files are still sent)'
            cand -q 'No access log (warnings and errors are still printed); the later of this and --verbose wins'
            cand --quiet 'No access log (warnings and errors are still printed); the later of this and --verbose wins'
            cand -v 'More detail in the log, such as why a path was refused; repeat for more'
            cand --verbose 'More detail in the log, such as why a path was refused; repeat for more'
            cand --open 'Open the site in the default browser once lanai listens ($BROWSER first, then the system''s opener)'
            cand --https 'Serve HTTPS with a certificate from lanai''s own local CA, made on first use; plain HTTP on the same port is redirected, except the pages that help a device trust the CA (/.lanai/start)'
            cand --print-ca 'Print the certificate of lanai''s local CA (PEM), making the CA first if needed, then exit'
            cand --new-ca 'Replace lanai''s local CA and its certificate with new ones, then exit; devices that trusted the old CA must install the new one'
            cand --upload 'Accept uploads into the served folder: PUT /path/name (curl -T), and files sent from a listing page'
            cand --upload-overwrite 'Let an upload replace a file that exists (otherwise 409 Conflict)'
            cand --no-config 'Skip the config file (LANAI_CONFIG, or the per-user one that FILES in lanai(1) names)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
    ]
    $completions[$command]
}

# Added by lanai's build: file names for ROOT and for the values of path options.
var lanai-options~ = $edit:completion:arg-completer[lanai]
set edit:completion:arg-completer[lanai] = {|@words|
    var current = $words[-1]
    var previous = $words[-2]
    if (has-value ['-r' '--document-root' '--tls-cert' '--tls-key' '--auth-file' '--upload-auth-file' '--log-file'] $previous) {
        edit:complete-filename $current
    } elif (has-value ['-p' '--port' '--host' '--allowed-host' '-w' '--workers' '--read-timeout' '--keep-alive-timeout' '--max-connections' '--shutdown-timeout' '--cache-control' '--listing' '--no-archives' '--spa' '--clean-urls' '--rules' '--hidden' '--follow-symlinks' '--charset' '--cors' '--header' '--isolate' '--proxy' '--proxy-timeout' '--proxy-keep-host' '--proxy-insecure' '--live' '--no-console' '--no-compress' '--compress-cache' '-q' '--quiet' '-v' '--verbose' '--open' '--https' '--print-ca' '--new-ca' '--auth' '--upload' '--upload-overwrite' '--upload-limit' '--upload-auth' '--no-config' '--generate'] $previous) {
        # a value that is not a path: nothing to offer
    } elif (str:has-prefix $current '-') {
        lanai-options $@words
    } else {
        edit:complete-filename $current
    }
}
