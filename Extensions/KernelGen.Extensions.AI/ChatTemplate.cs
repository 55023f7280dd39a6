using System;
using System.Collections.Generic;
using System.Text;
using Microsoft.Extensions.AI;

namespace KernelGen.Extensions.AI;

/// <summary>
/// How a conversation becomes the prompt text a chat model was trained on, and the text that ends
/// the model's turn. Three are built in: <see cref="ChatML"/>, <see cref="Llama2"/> and <see cref="Zephyr"/>.
/// </summary>
/// <remarks>
/// The prompt is encoded as plain text after BOS: a marker such as <c>&lt;|im_start|&gt;</c> becomes the
/// vocabulary's pieces for those characters unless the vocabulary holds the marker as one piece (the
/// tokenizer has no special-token parsing). The model's end-of-turn marker is a stop sequence, so the
/// reply ends there whichever way it is tokenized.
/// </remarks>
public abstract class ChatTemplate
{
    /// <summary>ChatML (Qwen, many fine-tunes): <c>&lt;|im_start|&gt;role\ncontent&lt;|im_end|&gt;\n</c> per message, then <c>&lt;|im_start|&gt;assistant\n</c>.</summary>
    public static ChatTemplate ChatML { get; } = new ChatMLTemplate();

    /// <summary>Llama 2 chat: <c>[INST] &lt;&lt;SYS&gt;&gt;\nsystem\n&lt;&lt;/SYS&gt;&gt;\n\nuser [/INST] assistant &lt;/s&gt;&lt;s&gt;[INST] ...</c>.</summary>
    public static ChatTemplate Llama2 { get; } = new Llama2Template();

    /// <summary>Zephyr (TinyLlama chat): <c>&lt;|role|&gt;\ncontent&lt;/s&gt;\n</c> per message, then <c>&lt;|assistant|&gt;\n</c>.</summary>
    public static ChatTemplate Zephyr { get; } = new ZephyrTemplate();

    /// <summary>The template's name: "chatml", "llama2" or "zephyr".</summary>
    public abstract string Name { get; }

    /// <summary>Texts that end the assistant's turn; generation stops at them.</summary>
    public abstract IReadOnlyList<string> StopSequences { get; }

    /// <summary>The prompt for <paramref name="messages"/>, ending where the assistant's reply begins (BOS is added by the tokenizer).</summary>
    public abstract string Format(IEnumerable<ChatMessage> messages);

    /// <summary>The built-in template called <paramref name="name"/> ("chatml", "llama2", "zephyr"; case ignored).</summary>
    /// <exception cref="ArgumentException">No built-in template has that name.</exception>
    public static ChatTemplate FromName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.Trim().ToLowerInvariant() switch
        {
            "chatml" => ChatML,
            "llama2" or "llama-2" => Llama2,
            "zephyr" => Zephyr,
            _ => throw new ArgumentException($"No prompt template is called '{name}'; the built-in ones are chatml, llama2 and zephyr.", nameof(name)),
        };
    }

    /// <summary>
    /// The built-in template a GGUF file's <c>tokenizer.chat_template</c> (Jinja) writes, recognized by
    /// its markers, or null when it matches none (KernelGen does not run Jinja).
    /// </summary>
    public static ChatTemplate? Recognize(string? jinja)
    {
        if (string.IsNullOrEmpty(jinja))
        {
            return null;
        }

        if (jinja.Contains("<|im_start|>", StringComparison.Ordinal) && jinja.Contains("<|im_end|>", StringComparison.Ordinal))
        {
            return ChatML;
        }

        if (jinja.Contains("<|user|>", StringComparison.Ordinal) && jinja.Contains("<|assistant|>", StringComparison.Ordinal))
        {
            return Zephyr;
        }

        if (jinja.Contains("[INST]", StringComparison.Ordinal) && jinja.Contains("[/INST]", StringComparison.Ordinal))
        {
            return Llama2;
        }

        return null;
    }

    /// <summary>"system", "user", "assistant", or the role's own value for another role.</summary>
    private protected static string RoleName(ChatRole role) => role.Value.ToLowerInvariant();

    private sealed class ChatMLTemplate : ChatTemplate
    {
        public override string Name => "chatml";

        public override IReadOnlyList<string> StopSequences { get; } = ["<|im_end|>", "<|im_start|>"];

        public override string Format(IEnumerable<ChatMessage> messages)
        {
            ArgumentNullException.ThrowIfNull(messages);
            var prompt = new StringBuilder();
            foreach (var message in messages)
            {
                prompt.Append("<|im_start|>").Append(RoleName(message.Role)).Append('\n').Append(message.Text).Append("<|im_end|>\n");
            }

            return prompt.Append("<|im_start|>assistant\n").ToString();
        }
    }

    private sealed class ZephyrTemplate : ChatTemplate
    {
        public override string Name => "zephyr";

        public override IReadOnlyList<string> StopSequences { get; } = ["</s>", "<|user|>", "<|system|>"];

        public override string Format(IEnumerable<ChatMessage> messages)
        {
            ArgumentNullException.ThrowIfNull(messages);
            var prompt = new StringBuilder();
            foreach (var message in messages)
            {
                prompt.Append("<|").Append(RoleName(message.Role)).Append("|>\n").Append(message.Text).Append("</s>\n");
            }

            return prompt.Append("<|assistant|>\n").ToString();
        }
    }

    private sealed class Llama2Template : ChatTemplate
    {
        public override string Name => "llama2";

        public override IReadOnlyList<string> StopSequences { get; } = ["</s>", "[INST]"];

        public override string Format(IEnumerable<ChatMessage> messages)
        {
            ArgumentNullException.ThrowIfNull(messages);
            var prompt = new StringBuilder();
            string? system = null;
            bool first = true;
            foreach (var message in messages)
            {
                if (message.Role == ChatRole.System)
                {
                    system = system is null ? message.Text : system + "\n" + message.Text;
                    continue;
                }

                if (message.Role == ChatRole.Assistant)
                {
                    prompt.Append(' ').Append(message.Text).Append(" </s>");
                    continue;
                }

                // A user turn (any other role is treated as one). BOS before the first comes from the tokenizer.
                prompt.Append(first ? "[INST] " : "<s>[INST] ");
                if (system is not null)
                {
                    prompt.Append("<<SYS>>\n").Append(system).Append("\n<</SYS>>\n\n");
                    system = null;
                }

                prompt.Append(message.Text).Append(" [/INST]");
                first = false;
            }

            if (first)
            {
                // No user turn at all: the system text alone opens the instruction.
                prompt.Append("[INST] ");
                if (system is not null)
                {
                    prompt.Append("<<SYS>>\n").Append(system).Append("\n<</SYS>>\n\n");
                }

                prompt.Append("[/INST]");
            }

            return prompt.ToString();
        }
    }
}
