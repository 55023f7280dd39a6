using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace KernelGen.Configuration;

/// <summary>The cursor behind <see cref="JsonText.Parse"/>: position, line and column, one value at a time.</summary>
internal sealed class JsonReader
{
    private readonly string _text;
    private int _position;
    private int _line = 1;
    private int _lineStart;

    public JsonReader(string text)
    {
        _text = text;
    }

    public bool AtEnd => _position >= _text.Length;

    private int Column => _position - _lineStart + 1;

    public JsonFormatException Error(string reason) => new(_line, Column, reason);

    public void SkipByteOrderMark()
    {
        if (_text.Length > 0 && _text[0] == '\uFEFF')
        {
            _position = 1;
            _lineStart = 1;
        }
    }

    public void SkipWhitespace()
    {
        while (_position < _text.Length)
        {
            char c = _text[_position];
            if (c == '\n')
            {
                _position++;
                _line++;
                _lineStart = _position;
            }
            else if (c is ' ' or '\t' or '\r')
            {
                _position++;
            }
            else
            {
                break;
            }
        }
    }

    public JsonValue ReadValue(int depth)
    {
        if (AtEnd)
        {
            throw Error("the text ends where a value was expected");
        }

        int line = _line, column = Column;
        char c = _text[_position];
        switch (c)
        {
            case '{':
                return ReadObject(depth, line, column);
            case '[':
                return ReadArray(depth, line, column);
            case '"':
                return JsonValue.Scalar(JsonKind.String, line, column, ReadString());
            case 't':
                ExpectWord("true");
                return JsonValue.Scalar(JsonKind.Boolean, line, column, null, boolean: true);
            case 'f':
                ExpectWord("false");
                return JsonValue.Scalar(JsonKind.Boolean, line, column, null, boolean: false);
            case 'n':
                ExpectWord("null");
                return JsonValue.Scalar(JsonKind.Null, line, column, null);
            default:
                if (c == '-' || (c >= '0' && c <= '9'))
                {
                    return JsonValue.Scalar(JsonKind.Number, line, column, ReadNumber());
                }

                throw Error(string.Format(CultureInfo.InvariantCulture, "unexpected character '{0}' where a value was expected", c));
        }
    }

    private JsonValue ReadObject(int depth, int line, int column)
    {
        if (depth >= JsonText.MaxDepth)
        {
            throw Error("objects and arrays are nested more than " + JsonText.MaxDepth.ToString(CultureInfo.InvariantCulture) + " deep");
        }

        _position++; // '{'
        var members = new List<KeyValuePair<string, JsonValue>>();
        var seen = new HashSet<string>();
        SkipWhitespace();
        if (!AtEnd && _text[_position] == '}')
        {
            _position++;
            return JsonValue.Object(line, column, members);
        }

        while (true)
        {
            SkipWhitespace();
            if (AtEnd || _text[_position] != '"')
            {
                throw Error("expected a member name in double quotes");
            }

            int keyLine = _line, keyColumn = Column;
            string key = ReadString();
            if (!seen.Add(key))
            {
                throw new JsonFormatException(keyLine, keyColumn, "the key \"" + key + "\" appears twice in the same object");
            }

            SkipWhitespace();
            Expect(':', "expected ':' after the member name");
            SkipWhitespace();
            members.Add(new KeyValuePair<string, JsonValue>(key, ReadValue(depth + 1)));
            SkipWhitespace();
            if (AtEnd)
            {
                throw Error("the text ends inside an object");
            }

            char c = _text[_position++];
            if (c == '}')
            {
                return JsonValue.Object(line, column, members);
            }

            if (c != ',')
            {
                _position--;
                throw Error("expected ',' or '}' after an object member");
            }
        }
    }

    private JsonValue ReadArray(int depth, int line, int column)
    {
        if (depth >= JsonText.MaxDepth)
        {
            throw Error("objects and arrays are nested more than " + JsonText.MaxDepth.ToString(CultureInfo.InvariantCulture) + " deep");
        }

        _position++; // '['
        var items = new List<JsonValue>();
        SkipWhitespace();
        if (!AtEnd && _text[_position] == ']')
        {
            _position++;
            return JsonValue.Array(line, column, items);
        }

        while (true)
        {
            SkipWhitespace();
            items.Add(ReadValue(depth + 1));
            SkipWhitespace();
            if (AtEnd)
            {
                throw Error("the text ends inside an array");
            }

            char c = _text[_position++];
            if (c == ']')
            {
                return JsonValue.Array(line, column, items);
            }

            if (c != ',')
            {
                _position--;
                throw Error("expected ',' or ']' after an array item");
            }
        }
    }

    private string ReadString()
    {
        _position++; // opening quote
        var builder = new StringBuilder();
        while (true)
        {
            if (AtEnd)
            {
                throw Error("the text ends inside a string");
            }

            char c = _text[_position++];
            if (c == '"')
            {
                return builder.ToString();
            }

            if (c < ' ')
            {
                _position--;
                throw Error("a control character (a line break, say) inside a string must be escaped");
            }

            if (c != '\\')
            {
                builder.Append(c);
                continue;
            }

            if (AtEnd)
            {
                throw Error("the text ends inside a string");
            }

            char escape = _text[_position++];
            switch (escape)
            {
                case '"': builder.Append('"'); break;
                case '\\': builder.Append('\\'); break;
                case '/': builder.Append('/'); break;
                case 'b': builder.Append('\b'); break;
                case 'f': builder.Append('\f'); break;
                case 'n': builder.Append('\n'); break;
                case 'r': builder.Append('\r'); break;
                case 't': builder.Append('\t'); break;
                case 'u':
                    if (_text.Length - _position < 4
                        || !int.TryParse(_text.Substring(_position, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int code))
                    {
                        throw Error("\\u must be followed by four hexadecimal digits");
                    }

                    builder.Append((char)code);
                    _position += 4;
                    break;
                default:
                    _position--;
                    throw Error(string.Format(CultureInfo.InvariantCulture, "'\\{0}' is not a JSON escape", escape));
            }
        }
    }

    private string ReadNumber()
    {
        int start = _position;
        if (_text[_position] == '-')
        {
            _position++;
        }

        if (AtEnd || !IsDigit(_text[_position]))
        {
            throw Error("a number needs digits");
        }

        if (_text[_position] == '0')
        {
            _position++;
        }
        else
        {
            SkipDigits();
        }

        if (!AtEnd && _text[_position] == '.')
        {
            _position++;
            if (AtEnd || !IsDigit(_text[_position]))
            {
                throw Error("a number needs digits after its decimal point");
            }

            SkipDigits();
        }

        if (!AtEnd && (_text[_position] == 'e' || _text[_position] == 'E'))
        {
            _position++;
            if (!AtEnd && (_text[_position] == '+' || _text[_position] == '-'))
            {
                _position++;
            }

            if (AtEnd || !IsDigit(_text[_position]))
            {
                throw Error("a number needs digits in its exponent");
            }

            SkipDigits();
        }

        return _text.Substring(start, _position - start);
    }

    private void SkipDigits()
    {
        while (!AtEnd && IsDigit(_text[_position]))
        {
            _position++;
        }
    }

    private static bool IsDigit(char c) => c >= '0' && c <= '9';

    private void ExpectWord(string word)
    {
        if (string.CompareOrdinal(_text, _position, word, 0, word.Length) != 0)
        {
            throw Error("unexpected text; expected " + word);
        }

        _position += word.Length;
    }

    private void Expect(char c, string reason)
    {
        if (AtEnd || _text[_position] != c)
        {
            throw Error(reason);
        }

        _position++;
    }
}
