using System;
using System.Text;

namespace KernelGen.Decoding;

/// <summary>
/// Decoded bytes on their way out of a generation: released only as whole UTF-8 characters, and
/// only once they cannot be the start of a stop sequence. So a character whose bytes come in
/// several byte tokens comes out whole, and a stop sequence spread over several tokens is found
/// and never released.
/// </summary>
/// <remarks>Buffers allocated in the constructor (grown only by a piece longer than any before); nothing else allocates.</remarks>
internal sealed class TextHoldback
{
    private readonly byte[][] _stops;   // the stop sequences, UTF-8
    private byte[] _pending;            // bytes not yet released
    private int _length;
    private int _released;              // bytes at the front released by the last call, dropped at the next

    public TextHoldback(System.Collections.Generic.IReadOnlyList<string> stopSequences)
    {
        _stops = new byte[stopSequences.Count][];
        int longest = 0;
        for (int i = 0; i < _stops.Length; i++)
        {
            _stops[i] = Encoding.UTF8.GetBytes(stopSequences[i]);
            longest = Math.Max(longest, _stops[i].Length);
        }

        _pending = new byte[longest + 64];
    }

    /// <summary>Bytes held back.</summary>
    public int PendingLength => _length - _released;

    /// <summary>
    /// Adds <paramref name="bytes"/> and returns what may go out now (valid until the next call).
    /// <paramref name="stopped"/> is true when the bytes held now contain a stop sequence: what comes
    /// before it is returned, it and what follows are dropped. When <paramref name="final"/>, nothing
    /// more will come: everything held goes out (an unfinished character too, decoding as U+FFFD).
    /// </summary>
    public ReadOnlySpan<byte> Add(ReadOnlySpan<byte> bytes, bool final, out bool stopped)
    {
        Compact();
        if (_length + bytes.Length > _pending.Length)
        {
            Array.Resize(ref _pending, Math.Max(2 * _pending.Length, _length + bytes.Length));
        }

        bytes.CopyTo(_pending.AsSpan(_length));
        _length += bytes.Length;

        int stopAt = FindStop();
        stopped = stopAt >= 0;
        if (stopped)
        {
            _length = stopAt;
            return Release(stopAt);
        }

        return Release(final ? _length : Math.Min(CompleteUtf8Length(), _length - HeldForStop()));
    }

    /// <summary>Everything still held, for the end of a generation (an unfinished character included, which decodes as U+FFFD).</summary>
    public ReadOnlySpan<byte> Flush()
    {
        Compact();
        return Release(_length);
    }

    private ReadOnlySpan<byte> Release(int count)
    {
        _released = count;
        return _pending.AsSpan(0, count);
    }

    private void Compact()
    {
        if (_released > 0)
        {
            _pending.AsSpan(_released, _length - _released).CopyTo(_pending);
            _length -= _released;
            _released = 0;
        }
    }

    /// <summary>Where the earliest stop sequence starts in the held bytes, or −1.</summary>
    private int FindStop()
    {
        var pending = _pending.AsSpan(0, _length);
        int earliest = -1;
        foreach (var stop in _stops)
        {
            int at = pending.IndexOf(stop);
            if (at >= 0 && (earliest < 0 || at < earliest))
            {
                earliest = at;
            }
        }

        return earliest;
    }

    /// <summary>How many held bytes at the end could begin a stop sequence (the longest such suffix).</summary>
    private int HeldForStop()
    {
        var pending = _pending.AsSpan(0, _length);
        int held = 0;
        foreach (var stop in _stops)
        {
            for (int length = Math.Min(stop.Length - 1, pending.Length); length > held; length--)
            {
                if (pending[^length..].SequenceEqual(stop.AsSpan(0, length)))
                {
                    held = length;
                    break;
                }
            }
        }

        return held;
    }

    /// <summary>
    /// The held bytes up to the end of the last complete character: a trailing lead byte whose
    /// continuation bytes have not all come yet waits; a stray continuation byte, which can never
    /// complete, goes out (to decode as U+FFFD).
    /// </summary>
    private int CompleteUtf8Length()
    {
        var pending = _pending.AsSpan(0, _length);
        for (int back = 1; back <= Math.Min(3, pending.Length); back++)
        {
            byte b = pending[^back];
            if ((b & 0xC0) == 0x80)
            {
                continue;  // a continuation byte: its lead is further back
            }

            int needed = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
            return needed > back ? pending.Length - back : pending.Length;
        }

        return pending.Length;
    }
}
