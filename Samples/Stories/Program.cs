using System;
using KernelGen.Samples.Stories;

// The story goes to stdout as raw bytes, exactly as run.c prints them; never through a TextWriter,
// which would re-encode them. The prompt goes in as the bytes typed (CommandLineBytes), for the same reason.
using var stdout = Console.OpenStandardOutput();
return StoryApp.Run(args, CommandLineBytes.Read(args), stdout, Console.Error);
