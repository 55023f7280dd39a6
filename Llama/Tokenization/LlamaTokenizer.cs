using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Runtime.CompilerServices;
using System.Text;
using KernelGen.Checkpoints;
using KernelGen.IO;

namespace KernelGen.Tokenization;

/// <summary>
/// The llama2.c tokenizer: byte-pair merges ranked by score, byte fallback, and the exact printing
/// rules of <c>run.c</c>. Works on UTF-8 bytes throughout, never on .NET strings, so invalid UTF-8
/// in a prompt and stray bytes in the output behave as they do in C.
/// </summary>
/// <remarks>
/// <para>File (docs/FORMATS.md §2): int32 <c>max_token_length</c>, then exactly <c>vocab_size</c>
/// records of float32 <c>score</c>, int32 <c>len</c> and <c>len</c> bytes. The count comes from
/// the model header, not the file.</para>
/// <para>Thread safety: an instance is immutable after loading; every method may be called from
/// several threads at once.</para>
/// </remarks>
public sealed class LlamaTokenizer
{
    /// <summary>Id of <c>&lt;unk&gt;</c>.</summary>
    public const int UnknownId = 0;

    /// <summary>Id of the beginning-of-sequence token; generation stops when the model picks it.</summary>
    public const int BosId = 1;

    /// <summary>Id of the end-of-sequence token (run.c does not stop on it).</summary>
    public const int EosId = 2;

    /// <summary>Most bytes of a tokenizer file read (a 128K-token vocabulary takes about 2 MB).</summary>
    public const long MaxFileBytes = 1L << 30;

    /// <summary>Byte b falls back to token id b + 3 (<c>&lt;0x00&gt;</c> is id 3).</summary>
    public const int ByteFallbackOffset = 3;

    /// <summary>run.c starts its best merge score here, so a merge must score strictly above it.</summary>
    private const float NoMergeScore = -1e10f;

    /// <summary>Above this, pair buffers come from the pool instead of the stack.</summary>
    private const int StackLimit = 256;

    private static readonly byte[] EveryByte = CreateEveryByte();

    private readonly byte[] _text;          // every piece, back to back
    private readonly int[] _starts;         // piece i is _text[_starts[i] .. _starts[i + 1])
    private readonly float[] _scores;       // merge rank: higher merges first
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;  // piece bytes as Latin-1 chars -> id
    private readonly int _dummyPrefixId;    // the piece " ", or the byte fallback of ' ' when the vocabulary has none
    private readonly int _longestPiece;     // bytes of the longest piece actually stored: bounds the merge buffer, however large max_token_length claims to be

    private LlamaTokenizer(string path, int maxTokenLength, byte[] text, int[] starts, float[] scores)
    {
        FilePath = path;
        MaxTokenLength = maxTokenLength;
        _text = text;
        _starts = starts;
        _scores = scores;
        var ids = new Dictionary<string, int>(scores.Length, StringComparer.Ordinal);
        for (int id = 0; id < scores.Length; id++)
        {
            // A duplicated piece keeps its lowest id (run.c's binary search would pick either).
            ids.TryAdd(Encoding.Latin1.GetString(Piece(id)), id);
        }

        for (int id = 0; id < scores.Length; id++)
        {
            _longestPiece = Math.Max(_longestPiece, starts[id + 1] - starts[id]);
        }

        _lookup = ids.GetAlternateLookup<ReadOnlySpan<char>>();
        _dummyPrefixId = ids.TryGetValue(" ", out int space) ? space : ' ' + ByteFallbackOffset;
    }

    /// <summary>The file the tokenizer was read from, as the caller named it.</summary>
    public string FilePath { get; }

    /// <summary>Number of tokens.</summary>
    public int VocabSize => _scores.Length;

    /// <summary>The longest piece in bytes, as the file states it.</summary>
    public int MaxTokenLength { get; }

    /// <summary>The raw bytes of token <paramref name="id"/>'s piece, as stored (byte tokens are the text <c>&lt;0xHH&gt;</c>).</summary>
    public ReadOnlySpan<byte> Piece(int id)
    {
        CheckId(id);
        return _text.AsSpan(_starts[id], _starts[id + 1] - _starts[id]);
    }

    /// <summary>The merge score of token <paramref name="id"/>.</summary>
    public float Score(int id)
    {
        CheckId(id);
        return _scores[id];
    }

    /// <summary>Reads and checks the tokenizer at <paramref name="path"/> for a model of <paramref name="vocabSize"/> tokens.</summary>
    /// <param name="path">The tokenizer file.</param>
    /// <param name="vocabSize">The vocabulary size from the model's header (the file does not store it).</param>
    /// <exception cref="TokenizerException">
    /// The file is missing or unreadable, a field is invalid, or the file holds fewer or more than
    /// <paramref name="vocabSize"/> tokens. The message names the file and the field.
    /// </exception>
    public static LlamaTokenizer Load(string path, int vocabSize)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path))
        {
            throw new TokenizerException(path, "file", $"Tokenizer file '{path}' is a folder, not a file.");
        }

        byte[] file;
        try
        {
            file = RegularFile.ReadAllBytes(path, MaxFileBytes, problem => new TokenizerException(path, "file", "Tokenizer file " + problem));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new TokenizerException(path, "file", $"Tokenizer file '{path}' was not found.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TokenizerException(path, "file", $"Tokenizer file '{path}' cannot be read: {e.Message}", e);
        }

        return Parse(path, file, vocabSize);
    }

    /// <summary>
    /// Creates a tokenizer from its pieces and merge scores, for a vocabulary that does not come from a
    /// llama2.c tokenizer file (a GGUF file's embedded one, say). Ids follow the llama2.c layout:
    /// &lt;unk&gt; 0, BOS 1, EOS 2, byte fallback <c>&lt;0x00&gt;</c> at 3.
    /// </summary>
    /// <param name="source">Where the vocabulary came from, for messages (becomes <see cref="FilePath"/>).</param>
    /// <param name="pieces">Each token's bytes, by id; spaces as spaces (not SentencePiece's U+2581).</param>
    /// <param name="scores">Each token's merge score, by id.</param>
    /// <exception cref="TokenizerException">Fewer than 3 tokens, or the two lists differ in length.</exception>
    public static LlamaTokenizer Create(string source, IReadOnlyList<byte[]> pieces, IReadOnlyList<float> scores)
    {
        ArgumentException.ThrowIfNullOrEmpty(source);
        ArgumentNullException.ThrowIfNull(pieces);
        ArgumentNullException.ThrowIfNull(scores);
        if (pieces.Count < 3 || scores.Count != pieces.Count)
        {
            throw new TokenizerException(source, "vocab_size",
                $"Tokenizer '{source}' has {pieces.Count} pieces and {scores.Count} scores; it needs the same number of each, at least 3 (<unk>, BOS, EOS).");
        }

        var starts = new int[pieces.Count + 1];
        long total = 0;
        int maxLength = 1;
        for (int id = 0; id < pieces.Count; id++)
        {
            starts[id] = (int)total;
            total += pieces[id].Length;
            maxLength = Math.Max(maxLength, pieces[id].Length);
            if (total > Array.MaxLength)
            {
                throw new TokenizerException(source, "tokens", $"Tokenizer '{source}' has more piece bytes than one array holds.");
            }
        }

        starts[pieces.Count] = (int)total;
        var text = new byte[total];
        for (int id = 0; id < pieces.Count; id++)
        {
            pieces[id].CopyTo(text, starts[id]);
        }

        var scoreArray = new float[scores.Count];
        for (int id = 0; id < scoreArray.Length; id++)
        {
            scoreArray[id] = scores[id];
        }

        return new LlamaTokenizer(source, maxLength, text, starts, scoreArray);
    }

    /// <summary>The most tokens <see cref="Encode(ReadOnlySpan{byte}, bool, bool, Span{int})"/> can produce for <paramref name="textBytes"/> bytes of text.</summary>
    public static int MaxTokenCount(int textBytes) => checked(textBytes + 3);

    /// <summary>
    /// The fewest tokens (BOS and dummy prefix included) that <paramref name="textBytes"/> bytes of
    /// text can encode to: no piece covers more text bytes than it is long, and none is longer than
    /// <see cref="MaxTokenLength"/>. Lets a caller reject an over-long prompt before encoding it.
    /// </summary>
    public int MinTokenCount(int textBytes) =>
        textBytes == 0 ? 1 : (int)Math.Min(int.MaxValue, ((long)textBytes + 1 + PieceBound - 1) / PieceBound);

    // No piece covers more text than the longest stored one, whatever max_token_length states.
    private int PieceBound => Math.Max(1, Math.Min(MaxTokenLength, _longestPiece));

    /// <summary>Encodes UTF-16 <paramref name="text"/> as UTF-8 (lone surrogates become U+FFFD) and then as <see cref="Encode(ReadOnlySpan{byte}, bool, bool)"/> does.</summary>
    public int[] Encode(string text, bool addBos = true, bool addEos = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Encode(Encoding.UTF8.GetBytes(text), addBos, addEos);
    }

    /// <summary>Encodes <paramref name="utf8"/> into a new array; see <see cref="Encode(ReadOnlySpan{byte}, bool, bool, Span{int})"/>.</summary>
    public int[] Encode(ReadOnlySpan<byte> utf8, bool addBos = true, bool addEos = false)
    {
        var tokens = new int[MaxTokenCount(utf8.Length)];
        int count = Encode(utf8, addBos, addEos, tokens);
        return tokens.AsSpan(0, count).ToArray();
    }

    /// <summary>
    /// Encodes text exactly as run.c's <c>encode</c>: optional BOS, the dummy-prefix space piece when
    /// the text is not empty, one token per code point found in the vocabulary (else one byte-fallback
    /// token per byte), then repeated merges of the adjacent pair whose joined piece scores highest
    /// (the leftmost on ties), then optional EOS.
    /// </summary>
    /// <param name="utf8">The text. Invalid UTF-8 is fine: bytes that form no known piece fall back to byte tokens.</param>
    /// <param name="addBos">Start with BOS (run.c always does).</param>
    /// <param name="addEos">End with EOS (run.c never does).</param>
    /// <param name="tokens">Receives the ids; needs room for <see cref="MaxTokenCount"/> of the text's length.</param>
    /// <returns>The number of ids written.</returns>
    /// <exception cref="TokenizerException">A byte has neither a piece nor a byte-fallback token (a vocabulary without the 256 byte tokens).</exception>
    public int Encode(ReadOnlySpan<byte> utf8, bool addBos, bool addEos, Span<int> tokens)
    {
        if (tokens.Length < MaxTokenCount(utf8.Length))
        {
            throw new ArgumentException($"Encoding {utf8.Length} bytes needs room for {MaxTokenCount(utf8.Length)} tokens; the buffer holds {tokens.Length}.", nameof(tokens));
        }

        int count = 0;
        if (addBos)
        {
            tokens[count++] = BosId;
        }

        if (!utf8.IsEmpty)
        {
            // SentencePiece's add_dummy_prefix: text starts as if after a space.
            tokens[count++] = CheckFallback(_dummyPrefixId, (byte)' ');
        }

        Span<char> chars = stackalloc char[4];
        for (int i = 0; i < utf8.Length;)
        {
            // A byte and the UTF-8 continuation bytes (10xxxxxx) after it, 4 bytes at most: one code
            // point when the text is valid, and exactly run.c's grouping when it is not.
            int start = i++;
            while (i < utf8.Length && (utf8[i] & 0xC0) == 0x80 && i - start < 4)
            {
                i++;
            }

            var codePoint = utf8[start..i];
            int length = Encoding.Latin1.GetChars(codePoint, chars);
            if (_lookup.TryGetValue(chars[..length], out int id))
            {
                tokens[count++] = id;
            }
            else
            {
                foreach (byte b in codePoint)
                {
                    tokens[count++] = CheckFallback(b + ByteFallbackOffset, b);
                }
            }
        }

        count = Merge(tokens[..count]);
        if (addEos)
        {
            tokens[count++] = EosId;
        }

        return count;
    }

    /// <summary>
    /// The bytes run.c prints for <paramref name="token"/> after <paramref name="previous"/>
    /// (its <c>decode</c> followed by <c>safe_printf</c>): after BOS a leading space is dropped; a
    /// <c>&lt;0xHH&gt;</c> piece is the raw byte HH; a piece is cut at a NUL byte (C strings); a
    /// one-byte piece that is neither printable nor whitespace in the C locale prints nothing.
    /// </summary>
    /// <returns>The bytes to write; empty when nothing is printed. Valid until the tokenizer is collected.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public ReadOnlySpan<byte> Decode(int previous, int token)
    {
        var piece = Piece(token);
        if (previous == BosId && !piece.IsEmpty && piece[0] == (byte)' ')
        {
            piece = piece[1..];
        }

        if (TryParseByteToken(piece, out byte value))
        {
            piece = EveryByte.AsSpan(value, 1);
        }

        int nul = piece.IndexOf((byte)0);
        if (nul >= 0)
        {
            piece = piece[..nul];
        }

        return piece.Length == 1 && !IsPrintableOrSpace(piece[0]) ? default : piece;
    }

    /// <summary>
    /// The text bytes of <paramref name="token"/> after <paramref name="previous"/>, as
    /// <see cref="Detokenize"/> gives them, for streaming text rather than printing like run.c:
    /// BOS and EOS are empty, the space after BOS is dropped, a byte token is its raw byte (even one
    /// that is half of a UTF-8 character), nothing is filtered.
    /// </summary>
    /// <returns>The bytes; valid until the tokenizer is collected.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public ReadOnlySpan<byte> DecodeText(int previous, int token)
    {
        if (token is BosId or EosId)
        {
            return default;
        }

        var piece = Piece(token);
        if (previous == BosId && !piece.IsEmpty && piece[0] == (byte)' ')
        {
            piece = piece[1..];
        }

        return TryParseByteToken(piece, out byte value) ? EveryByte.AsSpan(value, 1) : piece;
    }

    /// <summary>
    /// The text <paramref name="tokens"/> stand for, with none of the printing filters: BOS and EOS
    /// are dropped, the space after BOS (the dummy prefix) is dropped, byte tokens become their byte.
    /// <c>Detokenize(Encode(text))</c> gives back <c>text</c>, byte for byte, valid UTF-8 or not.
    /// </summary>
    public byte[] Detokenize(ReadOnlySpan<int> tokens)
    {
        var text = new List<byte>(tokens.Length * 4);
        int previous = -1;
        foreach (int token in tokens)
        {
            var piece = Piece(token);
            if (token is not (BosId or EosId))
            {
                if (previous == BosId && !piece.IsEmpty && piece[0] == (byte)' ')
                {
                    piece = piece[1..];
                }

                if (TryParseByteToken(piece, out byte value))
                {
                    text.Add(value);
                }
                else
                {
                    text.AddRange(piece);
                }
            }

            previous = token;
        }

        return text.ToArray();
    }

    /// <summary>C-locale <c>isprint(b) || isspace(b)</c>: 0x20–0x7E, tab, newline, vertical tab, form feed, carriage return.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool IsPrintableOrSpace(byte b) => b is >= 0x20 and <= 0x7E or >= 0x09 and <= 0x0D;

    /// <summary>True for a piece that is exactly <c>&lt;0xHH&gt;</c> (hex digits of either case).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static bool TryParseByteToken(ReadOnlySpan<byte> piece, out byte value)
    {
        value = 0;
        if (piece.Length != 6 || piece[0] != (byte)'<' || piece[1] != (byte)'0' || piece[2] != (byte)'x' || piece[5] != (byte)'>')
        {
            return false;
        }

        // Two hex digits of either case, as run.c's sscanf "<0x%02hhX>" reads them. Parsed here rather
        // than by byte.TryParse, whose first call initializes culture data: 5 ms inside the first story's
        // timed loop, at its first byte token.
        int high = HexDigit(piece[3]), low = HexDigit(piece[4]);
        if ((high | low) < 0)
        {
            return false;
        }

        value = (byte)(high << 4 | low);
        return true;
    }

    /// <summary>The value of a hex digit, or −1.</summary>
    private static int HexDigit(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };

    /// <summary>
    /// run.c's merge loop: join the adjacent pair whose concatenated piece exists with the highest
    /// score (strictly greater wins, so the leftmost of equal pairs), until no pair joins. Pair
    /// scores are kept between rounds and only the two pairs beside a merge are looked up again,
    /// so a long prompt costs O(n²) comparisons, not O(n²) lookups.
    /// </summary>
    private int Merge(Span<int> tokens)
    {
        int count = tokens.Length;
        if (count < 2)
        {
            return count;
        }

        float[]? rentedScores = null;
        int[]? rentedIds = null;
        char[]? rentedChars = null;
        int pairs = count - 1;
        Span<float> pairScores = pairs <= StackLimit ? stackalloc float[StackLimit] : (rentedScores = ArrayPool<float>.Shared.Rent(pairs));
        Span<int> pairIds = pairs <= StackLimit ? stackalloc int[StackLimit] : (rentedIds = ArrayPool<int>.Shared.Rent(pairs));
        int joinedLength = 2 * Math.Max(1, _longestPiece);
        Span<char> joined = joinedLength <= StackLimit ? stackalloc char[StackLimit] : (rentedChars = ArrayPool<char>.Shared.Rent(joinedLength));

        for (int i = 0; i < count - 1; i++)
        {
            pairIds[i] = LookupPair(tokens[i], tokens[i + 1], joined, out pairScores[i]);
        }

        while (true)
        {
            float best = NoMergeScore;
            int bestIndex = -1;
            for (int i = 0; i < count - 1; i++)
            {
                if (pairIds[i] >= 0 && pairScores[i] > best)
                {
                    best = pairScores[i];
                    bestIndex = i;
                }
            }

            if (bestIndex < 0)
            {
                break;
            }

            tokens[bestIndex] = pairIds[bestIndex];
            tokens[(bestIndex + 2)..count].CopyTo(tokens[(bestIndex + 1)..]);
            int pairsAfter = count - 1 - (bestIndex + 2);  // pairs right of the merged one shift left by one
            if (pairsAfter > 0)
            {
                pairIds.Slice(bestIndex + 2, pairsAfter).CopyTo(pairIds[(bestIndex + 1)..]);
                pairScores.Slice(bestIndex + 2, pairsAfter).CopyTo(pairScores[(bestIndex + 1)..]);
            }

            count--;
            if (bestIndex > 0)
            {
                pairIds[bestIndex - 1] = LookupPair(tokens[bestIndex - 1], tokens[bestIndex], joined, out pairScores[bestIndex - 1]);
            }

            if (bestIndex < count - 1)
            {
                pairIds[bestIndex] = LookupPair(tokens[bestIndex], tokens[bestIndex + 1], joined, out pairScores[bestIndex]);
            }
        }

        if (rentedScores is not null)
        {
            ArrayPool<float>.Shared.Return(rentedScores);
        }

        if (rentedIds is not null)
        {
            ArrayPool<int>.Shared.Return(rentedIds);
        }

        if (rentedChars is not null)
        {
            ArrayPool<char>.Shared.Return(rentedChars);
        }

        return count;
    }

    /// <summary>The id whose piece is piece(left) + piece(right), or -1.</summary>
    private int LookupPair(int left, int right, Span<char> joined, out float score)
    {
        var leftPiece = Piece(left);
        var rightPiece = Piece(right);
        int length = Encoding.Latin1.GetChars(leftPiece, joined);
        length += Encoding.Latin1.GetChars(rightPiece, joined[length..]);
        if (_lookup.TryGetValue(joined[..length], out int id))
        {
            score = _scores[id];
            return id;
        }

        score = float.NegativeInfinity;
        return -1;
    }

    private int CheckFallback(int id, byte b)
    {
        if (id >= VocabSize)
        {
            throw new TokenizerException(FilePath, "byte fallback", string.Create(CultureInfo.InvariantCulture,
                $"Tokenizer '{FilePath}' cannot encode byte 0x{b:X2}: it is not a piece, and its byte-fallback id {id} is past the {VocabSize} tokens."));
        }

        return id;
    }

    private void CheckId(int id)
    {
        if ((uint)id >= (uint)_scores.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(id), $"Token id {id} is outside the vocabulary of {VocabSize} tokens.");
        }
    }

    private static LlamaTokenizer Parse(string path, byte[] file, int vocabSize)
    {
        if (vocabSize < 3)
        {
            throw new TokenizerException(path, "vocab_size",
                $"Tokenizer '{path}' cannot serve a vocabulary of {vocabSize} tokens: a llama2.c vocabulary starts with <unk>, BOS and EOS.");
        }

        if (file.Length < sizeof(int))
        {
            throw new TokenizerException(path, "max_token_length",
                $"Tokenizer '{path}' is truncated: it holds {file.Length} bytes, too few for max_token_length (int32).");
        }

        int maxTokenLength = BinaryPrimitives.ReadInt32LittleEndian(file);
        if (maxTokenLength <= 0)
        {
            throw new TokenizerException(path, "max_token_length",
                $"Tokenizer '{path}' has max_token_length {maxTokenLength}; it must be positive.");
        }

        var scores = new float[vocabSize];
        var starts = new int[vocabSize + 1];
        var text = new byte[file.Length];
        int offset = sizeof(int), textLength = 0;
        for (int id = 0; id < vocabSize; id++)
        {
            if (file.Length - offset < 8)
            {
                throw new TokenizerException(path, $"score/len of token {id}",
                    $"Tokenizer '{path}' is truncated: it ends at byte {file.Length} inside the record of token {id}, but the model's vocab_size says {vocabSize} tokens.");
            }

            scores[id] = BinaryPrimitives.ReadSingleLittleEndian(file.AsSpan(offset));
            int length = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(offset + 4));
            offset += 8;
            if (length < 0 || length > maxTokenLength)
            {
                throw new TokenizerException(path, $"len of token {id}",
                    $"Tokenizer '{path}': token {id} has len {length}, outside 0..max_token_length ({maxTokenLength}).");
            }

            if (file.Length - offset < length)
            {
                throw new TokenizerException(path, $"bytes of token {id}",
                    $"Tokenizer '{path}' is truncated: token {id} needs {length} bytes at offset {offset}, but the file ends at {file.Length}.");
            }

            starts[id] = textLength;
            file.AsSpan(offset, length).CopyTo(text.AsSpan(textLength));
            textLength += length;
            offset += length;
        }

        starts[vocabSize] = textLength;
        if (offset != file.Length)
        {
            throw new TokenizerException(path, "file size",
                $"Tokenizer '{path}' has {file.Length - offset} extra bytes after its {vocabSize} tokens (the model's vocab_size): " +
                "it belongs to a model with a larger vocabulary, or is not a llama2.c tokenizer.");
        }

        return new LlamaTokenizer(path, maxTokenLength, text.AsSpan(0, textLength).ToArray(), starts, scores);
    }

    private static byte[] CreateEveryByte()
    {
        var bytes = new byte[256];
        for (int i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)i;
        }

        return bytes;
    }
}
