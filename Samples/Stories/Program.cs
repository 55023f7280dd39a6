using System;
using KernelGen.Samples.Stories;

// The story goes to stdout as raw bytes, exactly as run.c prints them; never through a TextWriter,
// which would re-encode them.
using var stdout = Console.OpenStandardOutput();
return StoryApp.Run(args, stdout, Console.Error);
