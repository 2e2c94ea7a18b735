
edit:completion:arg-completer[lanai] = [@words]{
    fn spaces [n]{
        repeat $n ' ' | joins ''
    }
    fn cand [text desc]{
        edit:complex-candidate $text &display-suffix=' '(spaces (- 14 (wcswidth $text)))$desc
    }
    command = 'lanai'
    for word $words[1:-1] {
        if (has-prefix $word '-') {
            break
        }
        command = $command';'$word
    }
    completions = [
        &'lanai'= {
            cand -r 'Folder to serve; the later of this and ROOT wins [default: the current folder]'
            cand --document-root 'Folder to serve; the later of this and ROOT wins [default: the current folder]'
            cand -p 'Port to listen on; 0 picks a free one (the start-up line names it)'
            cand --port 'Port to listen on; 0 picks a free one (the start-up line names it)'
            cand --host 'Address to listen on: 127.0.0.1 keeps it on this machine, 0.0.0.0 or :: serves the LAN'
            cand -w 'Executor threads [default: the number of CPUs]'
            cand --workers 'Executor threads [default: the number of CPUs]'
            cand --read-timeout 'Seconds a client has to send a whole request head'
            cand --keep-alive-timeout 'Seconds an idle keep-alive connection may wait for its next request before it is closed'
            cand --max-connections 'Most connections open at once; past it new ones are answered 503 and closed'
            cand --shutdown-timeout 'Seconds to let responses in flight finish after SIGINT or SIGTERM (Ctrl-C); a second signal exits at once'
            cand --cache-control 'Cache-Control sent with every response; the default makes browsers revalidate (cheap 304s) on every load'
            cand --charset 'Append this charset to textual Content-Types, e.g. --charset utf-8'
            cand --header 'Add a header to every response, e.g. --header "X-Frame-Options: DENY"; repeatable'
            cand --compress-cache 'Memory for compressed responses kept for reuse, e.g. 64M; a body over an eighth of it is compressed as it is sent instead'
            cand --log-file 'Also append the log to this file'
            cand --generate 'Print the man page or a shell''s completion script, then exit'
            cand --listing 'Show an HTML listing for a folder that has no index.html (otherwise 404)'
            cand --spa 'Single-page app: a missing path without an extension, asked for by a browser, gets the root index.html'
            cand --hidden 'Serve hidden files and folders (names starting with a dot, such as .env or .git/)'
            cand --follow-symlinks 'Follow symbolic links that lead outside the document root (by default only links inside it are followed)'
            cand --cors 'Allow cross-origin requests: Access-Control-Allow-Origin: * and answers to OPTIONS preflights'
            cand --isolate 'Cross-origin isolation (COOP same-origin, COEP require-corp), so pages can use SharedArrayBuffer'
            cand --live 'Live reload: watch the folder and update open pages on every save (stylesheets swap in place)'
            cand --no-compress 'Do not compress responses on the fly (precompressed .br/.zst/.gz files are still sent)'
            cand -q 'No access log (warnings and errors are still printed); the later of this and --verbose wins'
            cand --quiet 'No access log (warnings and errors are still printed); the later of this and --verbose wins'
            cand -v 'More detail in the log; repeat for more'
            cand --verbose 'More detail in the log; repeat for more'
            cand --no-config 'Skip the config file (LANAI_CONFIG, or the per-user one that FILES in lanai(1) names)'
            cand -h 'Prints help information'
            cand --help 'Prints help information'
            cand -V 'Prints version information'
            cand --version 'Prints version information'
        }
    ]
    $completions[$command]
}
