using System;
using System.Text;

namespace KernelGen.Generator.Emit;

/// <summary>
/// Writes C# source with indentation. <see cref="Block"/> opens a brace block and closes it when
/// disposed, so the emitter's structure mirrors the emitted code's.
/// </summary>
internal sealed class SourceWriter
{
    private const string IndentUnit = "    ";
    private readonly StringBuilder _text = new();
    private int _indent;

    /// <summary>Writes one line at the current indentation (an empty line has no indentation).</summary>
    public void Line(string line = "")
    {
        if (line.Length > 0)
        {
            for (int i = 0; i < _indent; i++)
            {
                _text.Append(IndentUnit);
            }

            _text.Append(line);
        }

        _text.Append('\n');
    }

    /// <summary>Writes several lines, each at the current indentation.</summary>
    public void Lines(string text)
    {
        foreach (var line in text.Replace("\r\n", "\n").Split('\n'))
        {
            Line(line);
        }
    }

    /// <summary>Writes <paramref name="header"/>, an opening brace, and indents until disposed.</summary>
    public IDisposable Block(string header)
    {
        Line(header);
        return Block();
    }

    /// <summary>Writes an opening brace and indents until disposed.</summary>
    public IDisposable Block(bool closeWithSemicolon = false)
    {
        Line("{");
        _indent++;
        return new Closer(this, closeWithSemicolon ? "};" : "}");
    }

    public override string ToString() => _text.ToString();

    private sealed class Closer : IDisposable
    {
        private readonly SourceWriter _writer;
        private readonly string _close;
        private bool _disposed;

        public Closer(SourceWriter writer, string close)
        {
            _writer = writer;
            _close = close;
        }

        public void Dispose()
        {
            if (!_disposed)
            {
                _disposed = true;
                _writer._indent--;
                _writer.Line(_close);
            }
        }
    }
}
