# Homebrew formula for lanai (for a tap: Formula/lanai.rb). A template: scripts/release fills in the @…@ fields
# (version, home and the source archive's sha256).
class Lanai < Formula
  desc "Fast, safe static file server for previewing sites and sharing folders"
  homepage "@HOME@"
  url "@HOME@/releases/download/v@VERSION@/lanai-@VERSION@.tar.gz"
  sha256 "@SOURCE_SHA256@"
  license any_of: ["MIT", "Apache-2.0"]

  depends_on "rust" => :build

  def install
    system "cargo", "install", *std_cargo_args
    # The binary carries its man page and completions, generated from its own command-line definition.
    (man1/"lanai.1").write Utils.safe_popen_read(bin/"lanai", "--generate", "man")
    generate_completions_from_executable(bin/"lanai", "--generate")
  end

  test do
    assert_match "lanai #{version}", shell_output("#{bin}/lanai --version")
    assert_match ".TH LANAI 1", shell_output("#{bin}/lanai --generate man")
    (testpath/"site/index.html").write "hello from lanai"
    port = free_port
    pid = spawn bin/"lanai", "--no-config", "--port", port.to_s, testpath/"site"
    sleep 2
    assert_equal "hello from lanai", shell_output("curl -s http://127.0.0.1:#{port}/")
  ensure
    Process.kill("TERM", pid) if pid
  end
end
