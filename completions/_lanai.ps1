
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'lanai' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'lanai'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'lanai' {
            [CompletionResult]::new('-r', '-r', [CompletionResultType]::ParameterName, 'Folder to serve; the later of this and ROOT wins [default: the current folder]')
            [CompletionResult]::new('--document-root', '--document-root', [CompletionResultType]::ParameterName, 'Folder to serve; the later of this and ROOT wins [default: the current folder]')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Port to listen on; 0 picks a free one (the start-up line names it)')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Port to listen on; 0 picks a free one (the start-up line names it)')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Address to listen on: 127.0.0.1 keeps it on this machine, 0.0.0.0 or :: serves the LAN')
            [CompletionResult]::new('--allowed-host', '--allowed-host', [CompletionResultType]::ParameterName, 'Also answer requests for this host name (NAME), a domain and its subdomains (.DOMAIN), or any name (''*'', which lets every web page read what lanai serves); repeatable. IP addresses, localhost and *.localhost are always answered, and this machine''s name when serving the LAN')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Executor threads [default: the number of CPUs]')
            [CompletionResult]::new('--workers', '--workers', [CompletionResultType]::ParameterName, 'Executor threads [default: the number of CPUs]')
            [CompletionResult]::new('--read-timeout', '--read-timeout', [CompletionResultType]::ParameterName, 'Seconds a client has to send a whole request head')
            [CompletionResult]::new('--keep-alive-timeout', '--keep-alive-timeout', [CompletionResultType]::ParameterName, 'Seconds an idle keep-alive connection may wait for its next request before it is closed')
            [CompletionResult]::new('--max-connections', '--max-connections', [CompletionResultType]::ParameterName, 'Most connections open at once; past it new ones are answered 503 and closed')
            [CompletionResult]::new('--shutdown-timeout', '--shutdown-timeout', [CompletionResultType]::ParameterName, 'Seconds to let responses in flight finish after SIGINT or SIGTERM (Ctrl-C); a second signal exits at once')
            [CompletionResult]::new('--cache-control', '--cache-control', [CompletionResultType]::ParameterName, 'Cache-Control sent with every response; the default makes browsers revalidate (cheap 304s) on every load')
            [CompletionResult]::new('--rules', '--rules', [CompletionResultType]::ParameterName, 'Read _redirects and _headers as this host does where Netlify and Cloudflare Pages differ (default status, files before rules, limits); README''s rules section lists each difference')
            [CompletionResult]::new('--charset', '--charset', [CompletionResultType]::ParameterName, 'Append this charset to textual Content-Types, e.g. --charset utf-8')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Add a header to every response, e.g. --header "X-Frame-Options: DENY"; repeatable')
            [CompletionResult]::new('--proxy', '--proxy', [CompletionResultType]::ParameterName, 'Send requests whose path starts with PREFIX (at a segment boundary) to an http:// or https:// upstream. A URL without a path keeps the request''s path (--proxy /api=http://127.0.0.1:3000: /api/users goes to /api/users, as with Vite and nginx); a URL with a path, even /, replaces the prefix with it (/api=http://127.0.0.1:3000/: /api/users goes to /users). Repeatable: the longest matching prefix wins. WebSocket upgrades and streamed bodies pass through; redirects and cookies that name the upstream are made to name lanai')
            [CompletionResult]::new('--proxy-timeout', '--proxy-timeout', [CompletionResultType]::ParameterName, 'Seconds a proxied upstream may take to accept the connection and to begin its answer before lanai gives up with a 504; once the answer has begun, its body may be quiet for as long as the client waits')
            [CompletionResult]::new('--compress-cache', '--compress-cache', [CompletionResultType]::ParameterName, 'Memory for compressed responses kept for reuse, e.g. 64M; a body over an eighth of it is compressed as it is sent instead')
            [CompletionResult]::new('--tls-cert', '--tls-cert', [CompletionResultType]::ParameterName, 'Serve HTTPS with this PEM certificate chain instead of the local CA''s (with --tls-key)')
            [CompletionResult]::new('--tls-key', '--tls-key', [CompletionResultType]::ParameterName, 'The PEM private key of --tls-cert')
            [CompletionResult]::new('--auth', '--auth', [CompletionResultType]::ParameterName, 'Ask for this user name and password (HTTP Basic) before serving anything; repeatable')
            [CompletionResult]::new('--auth-file', '--auth-file', [CompletionResultType]::ParameterName, 'Ask for credentials from this htpasswd file (bcrypt as `htpasswd -nbB` writes, or $argon2id$ hashes)')
            [CompletionResult]::new('--upload-limit', '--upload-limit', [CompletionResultType]::ParameterName, 'Largest file one upload may bring, e.g. 512M or 4G; past it 413')
            [CompletionResult]::new('--upload-auth', '--upload-auth', [CompletionResultType]::ParameterName, 'Only this user name and password (HTTP Basic) may upload, while reading stays as it is; repeatable')
            [CompletionResult]::new('--upload-auth-file', '--upload-auth-file', [CompletionResultType]::ParameterName, 'Only users of this htpasswd file may upload (as --auth-file reads it)')
            [CompletionResult]::new('--log-file', '--log-file', [CompletionResultType]::ParameterName, 'Also append the log to this file')
            [CompletionResult]::new('--generate', '--generate', [CompletionResultType]::ParameterName, 'Print the man page or a shell''s completion script, then exit')
            [CompletionResult]::new('--listing', '--listing', [CompletionResultType]::ParameterName, 'Show an HTML listing for a folder that has no index.html (otherwise 404)')
            [CompletionResult]::new('--no-archives', '--no-archives', [CompletionResultType]::ParameterName, 'With --listing, do not offer folders as archives (GET /folder/?download=zip, tar or tar.gz)')
            [CompletionResult]::new('--spa', '--spa', [CompletionResultType]::ParameterName, 'Single-page app: a missing path without an extension, asked for by a browser, gets the root index.html')
            [CompletionResult]::new('--clean-urls', '--clean-urls', [CompletionResultType]::ParameterName, 'Clean URLs: /about serves about.html, and /about.html redirects to /about (folders keep their index)')
            [CompletionResult]::new('--hidden', '--hidden', [CompletionResultType]::ParameterName, 'Serve hidden files and folders (names starting with a dot, such as .env or .git/)')
            [CompletionResult]::new('--follow-symlinks', '--follow-symlinks', [CompletionResultType]::ParameterName, 'Follow symbolic links that lead outside the document root (by default only links inside it are followed)')
            [CompletionResult]::new('--cors', '--cors', [CompletionResultType]::ParameterName, 'Allow cross-origin requests: Access-Control-Allow-Origin: * and answers to OPTIONS preflights')
            [CompletionResult]::new('--isolate', '--isolate', [CompletionResultType]::ParameterName, 'Cross-origin isolation (COOP same-origin, COEP require-corp), so pages can use SharedArrayBuffer')
            [CompletionResult]::new('--proxy-keep-host', '--proxy-keep-host', [CompletionResultType]::ParameterName, 'Send the client''s own Host and Origin to proxied upstreams, instead of the upstream''s Host and, for lanai''s own origin, the upstream''s origin')
            [CompletionResult]::new('--proxy-insecure', '--proxy-insecure', [CompletionResultType]::ParameterName, 'Take any certificate from https:// upstreams (for a dev back end with a self-signed one): the connection is encrypted but not authenticated')
            [CompletionResult]::new('--live', '--live', [CompletionResultType]::ParameterName, 'Live reload: watch the folder and update open pages on every save (stylesheets swap in place)')
            [CompletionResult]::new('--no-console', '--no-console', [CompletionResultType]::ParameterName, 'With --live, keep the pages'' console to themselves: by default their errors and warnings (and console.log with -v) are printed here, under the device''s name')
            [CompletionResult]::new('--no-compress', '--no-compress', [CompletionResultType]::ParameterName, 'Do not compress responses on the fly (precompressed .br/.zst/.gz files are still sent)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No access log (warnings and errors are still printed); the later of this and --verbose wins')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No access log (warnings and errors are still printed); the later of this and --verbose wins')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More detail in the log, such as why a path was refused; repeat for more')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail in the log, such as why a path was refused; repeat for more')
            [CompletionResult]::new('--open', '--open', [CompletionResultType]::ParameterName, 'Open the site in the default browser once lanai listens ($BROWSER first, then the system''s opener)')
            [CompletionResult]::new('--https', '--https', [CompletionResultType]::ParameterName, 'Serve HTTPS with a certificate from lanai''s own local CA, made on first use; plain HTTP on the same port is redirected, except the pages that help a device trust the CA (/.lanai/start)')
            [CompletionResult]::new('--print-ca', '--print-ca', [CompletionResultType]::ParameterName, 'Print the certificate of lanai''s local CA (PEM), making the CA first if needed, then exit')
            [CompletionResult]::new('--new-ca', '--new-ca', [CompletionResultType]::ParameterName, 'Replace lanai''s local CA and its certificate with new ones, then exit; devices that trusted the old CA must install the new one')
            [CompletionResult]::new('--upload', '--upload', [CompletionResultType]::ParameterName, 'Accept uploads into the served folder: PUT /path/name (curl -T), and files sent from a listing page')
            [CompletionResult]::new('--upload-overwrite', '--upload-overwrite', [CompletionResultType]::ParameterName, 'Let an upload replace a file that exists (otherwise 409 Conflict)')
            [CompletionResult]::new('--no-config', '--no-config', [CompletionResultType]::ParameterName, 'Skip the config file (LANAI_CONFIG, or the per-user one that FILES in lanai(1) names)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
