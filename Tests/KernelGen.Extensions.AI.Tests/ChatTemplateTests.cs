using System;
using Microsoft.Extensions.AI;
using Xunit;

namespace KernelGen.Extensions.AI.Tests;

/// <summary>The built-in prompt templates, written out, and their recognition from GGUF Jinja templates.</summary>
public sealed class ChatTemplateTests
{
    // Abridged forms of the Jinja templates such models ship in tokenizer.chat_template.
    internal const string ChatMLJinja =
        "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

    internal const string ZephyrJinja =
        "{% for message in messages %}\n{% if message['role'] == 'user' %}\n{{ '<|user|>\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'system' %}\n{{ '<|system|>\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'assistant' %}\n{{ '<|assistant|>\n'  + message['content'] + eos_token }}\n{% endif %}\n{% if loop.last and add_generation_prompt %}\n{{ '<|assistant|>' }}\n{% endif %}\n{% endfor %}";

    internal const string Llama2Jinja =
        "{% if messages[0]['role'] == 'system' %}{% set system_message = '<<SYS>>\\n' + messages[0]['content'] + '\\n<</SYS>>\\n\\n' %}{% endif %}{% for message in messages %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ ' ' + content + ' ' + eos_token }}{% endif %}{% endfor %}";

    private static readonly ChatMessage[] Conversation =
    [
        new(ChatRole.System, "Be brief."),
        new(ChatRole.User, "Hi"),
        new(ChatRole.Assistant, "Hello."),
        new(ChatRole.User, "A story?"),
    ];

    [Fact]
    public void ChatMLWritesEachMessageBetweenItsMarkers()
    {
        Assert.Equal(
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello.<|im_end|>\n<|im_start|>user\nA story?<|im_end|>\n<|im_start|>assistant\n",
            ChatTemplate.ChatML.Format(Conversation));
    }

    [Fact]
    public void ZephyrWritesRoleTagsAndEndsEachTurnWithEos()
    {
        Assert.Equal(
            "<|system|>\nBe brief.</s>\n<|user|>\nHi</s>\n<|assistant|>\nHello.</s>\n<|user|>\nA story?</s>\n<|assistant|>\n",
            ChatTemplate.Zephyr.Format(Conversation));
    }

    [Fact]
    public void Llama2PutsTheSystemPromptInsideTheFirstInstruction()
    {
        Assert.Equal(
            "[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi [/INST] Hello. </s><s>[INST] A story? [/INST]",
            ChatTemplate.Llama2.Format(Conversation));
        Assert.Equal("[INST] <<SYS>>\nOnly this.\n<</SYS>>\n\n[/INST]", ChatTemplate.Llama2.Format([new ChatMessage(ChatRole.System, "Only this.")]));
    }

    [Theory]
    [InlineData(ChatMLJinja, "chatml")]
    [InlineData(ZephyrJinja, "zephyr")]
    [InlineData(Llama2Jinja, "llama2")]
    public void AGgufTemplateIsRecognizedByItsMarkers(string jinja, string name)
    {
        Assert.Equal(name, ChatTemplate.Recognize(jinja)?.Name);
        Assert.Same(ChatTemplate.Recognize(jinja), ChatTemplate.FromName(name));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("{% for m in messages %}{{ m['content'] }}{% endfor %}")]
    public void AnUnknownTemplateIsNotGuessed(string? jinja) => Assert.Null(ChatTemplate.Recognize(jinja));

    [Fact]
    public void AnUnknownNameIsRefusedWithTheKnownOnes() =>
        Assert.Contains("chatml, llama2 and zephyr", Assert.Throws<ArgumentException>(() => ChatTemplate.FromName("alpaca")).Message, StringComparison.Ordinal);
}
