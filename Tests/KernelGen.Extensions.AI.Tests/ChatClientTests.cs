using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using KernelGen.Checkpoints;
using KernelGen.Decoding;
using KernelGen.Samples.Stories;
using KernelGen.Tokenization;
using Microsoft.Extensions.AI;
using Xunit;

namespace KernelGen.Extensions.AI.Tests;

/// <summary>
/// The IChatClient's plumbing on stories260K. Its text is a children's story, not a chat: these
/// tests check what reaches the model and what comes back, never that the reply makes sense.
/// </summary>
public sealed class ChatClientTests
{
    private static string ModelPath => Path.Combine(AppContext.BaseDirectory, "models", "stories260K.bin");

    private static string TokenizerPath => Path.Combine(AppContext.BaseDirectory, "models", "tok512.bin");

    private static readonly ModelCheckpoint Checkpoint = ModelCheckpoint.Load(ModelPath);
    private static readonly LlamaTokenizer Tokenizer = LlamaTokenizer.Load(TokenizerPath, 512);

    private static KernelGenChatClient CreateClient(ChatTemplate? template = null)
    {
        Assert.NotNull(Stories260K.Shape);   // registers the generated kernels
        return KernelGenChatClient.Create(Checkpoint, template ?? ChatTemplate.ChatML, Tokenizer);
    }

    private static readonly ChatMessage[] Conversation = [new(ChatRole.System, "Tell stories."), new(ChatRole.User, "Once upon a time")];

    [Fact]
    public async Task StreamingRepliesAreTheGeneratorsTextForTheTemplatedPrompt()
    {
        using var client = CreateClient();
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync(Conversation, new ChatOptions { MaxOutputTokens = 40 }))
        {
            updates.Add(update);
        }

        // The same prompt straight through the generator gives the same text.
        var generator = Assert.IsType<TextGenerator>(client.GetService(typeof(TextGenerator)));
        string prompt = ChatTemplate.ChatML.Format(Conversation);
        var expected = new StringBuilder();
        await foreach (string piece in generator.GenerateAsync(prompt, new GenerationOptions { MaxNewTokens = 40, StopSequences = ChatTemplate.ChatML.StopSequences }))
        {
            expected.Append(piece);
        }

        Assert.NotEqual(0, expected.Length);
        Assert.Equal(expected.ToString(), string.Concat(updates.Select(u => u.Text)));
        Assert.All(updates, u => Assert.Equal(ChatRole.Assistant, u.Role));
        Assert.Single(updates.Select(u => u.ResponseId).Distinct());

        var last = updates[^1];
        Assert.Equal(ChatFinishReason.Length, last.FinishReason);
        var usage = Assert.Single(last.Contents.OfType<UsageContent>()).Details;
        Assert.Equal(40, usage.OutputTokenCount);
        Assert.Equal(Tokenizer.Encode(prompt).Length, usage.InputTokenCount);
    }

    [Fact]
    public async Task GetResponseGathersTheStream()
    {
        using var client = CreateClient(ChatTemplate.Zephyr);
        var options = new ChatOptions { MaxOutputTokens = 30, Temperature = 0.8f, TopP = 0.9f, TopK = 40, Seed = 11 };
        var response = await client.GetResponseAsync(Conversation, options);
        var streamed = new StringBuilder();
        await foreach (var update in client.GetStreamingResponseAsync(Conversation, options))
        {
            streamed.Append(update.Text);
        }

        Assert.Equal(streamed.ToString(), response.Text);
        Assert.Equal(ChatRole.Assistant, Assert.Single(response.Messages).Role);
        Assert.Equal(30, response.Usage?.OutputTokenCount);
        Assert.Equal("stories260K", response.ModelId);
    }

    [Fact]
    public async Task AStopSequenceFromTheOptionsEndsTheReply()
    {
        using var client = CreateClient();
        string full = (await client.GetResponseAsync(Conversation, new ChatOptions { MaxOutputTokens = 60 })).Text;
        Assert.True(full.Length > 20);
        string stop = full.Substring(10, 4);
        int at = full.IndexOf(stop, StringComparison.Ordinal);

        var response = await client.GetResponseAsync(Conversation, new ChatOptions { MaxOutputTokens = 60, StopSequences = [stop] });
        Assert.Equal(full[..at], response.Text);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
    }

    [Fact]
    public async Task CancellingMidStreamStopsTheReplyAndFreesTheClient()
    {
        using var client = CreateClient();
        using var cancellation = new CancellationTokenSource();
        int received = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync(Conversation, new ChatOptions { MaxOutputTokens = 100 }, cancellation.Token))
            {
                if (++received == 2)
                {
                    cancellation.Cancel();
                }
            }
        });

        Assert.Equal(2, received);
        var next = await client.GetResponseAsync(Conversation, new ChatOptions { MaxOutputTokens = 5 });
        Assert.Equal(5, next.Usage?.OutputTokenCount);
    }

    [Fact]
    public void ChatOptionsMapToGenerationOptions()
    {
        using var client = CreateClient();
        var mapped = client.ToGenerationOptions(new ChatOptions
        {
            MaxOutputTokens = 12, Temperature = 0.7f, TopP = 0.5f, TopK = 3, Seed = 99, StopSequences = ["THE END"],
        });
        Assert.Equal(12, mapped.MaxNewTokens);
        Assert.Equal(0.7f, mapped.Temperature);
        Assert.Equal(0.5f, mapped.TopP);
        Assert.Equal(3, mapped.TopK);
        Assert.Equal(99UL, mapped.Seed);
        Assert.Equal(["<|im_end|>", "<|im_start|>", "THE END"], mapped.StopSequences);

        var defaults = client.ToGenerationOptions(null);
        Assert.Equal(GenerationOptions.Default.MaxNewTokens, defaults.MaxNewTokens);
        Assert.Equal(0f, defaults.Temperature);
        Assert.Throws<ArgumentOutOfRangeException>(() => client.ToGenerationOptions(new ChatOptions { Seed = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => client.ToGenerationOptions(new ChatOptions { MaxOutputTokens = -1 }));
    }

    [Fact]
    public void MetadataNamesTheProviderAndModel()
    {
        using var client = CreateClient();
        var metadata = Assert.IsType<ChatClientMetadata>(client.GetService(typeof(ChatClientMetadata)));
        Assert.Equal("KernelGen", metadata.ProviderName);
        Assert.Equal("stories260K", metadata.DefaultModelId);
        Assert.Same(client, client.GetService(typeof(IChatClient)));
        Assert.Null(client.GetService(typeof(string)));
    }

    [Fact]
    public void AGgufChatTemplateChoosesTheMatchingBuiltInOne()
    {
        string directory = Path.Combine(Path.GetTempPath(), "kernelgen-chat-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            string path = Path.Combine(directory, "stories.gguf");
            GgufWriter.Write(path, Checkpoint.Weights, Checkpoint.Settings, Tokenizer, chatTemplate: ChatTemplateTests.ZephyrJinja);
            var gguf = ModelCheckpoint.Load(path);
            Assert.Equal(ChatTemplateTests.ZephyrJinja, gguf.ChatTemplate);
            using var client = KernelGenChatClient.Create(gguf);
            Assert.Same(ChatTemplate.Zephyr, client.Template);

            GgufWriter.Write(path, Checkpoint.Weights, Checkpoint.Settings, Tokenizer);
            var plain = ModelCheckpoint.Load(path);
            Assert.Null(plain.ChatTemplate);
            Assert.Contains("states no chat template", Assert.Throws<ArgumentException>(() => KernelGenChatClient.Create(plain)).Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
