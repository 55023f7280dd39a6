#!/usr/bin/env bash
# A consumer of the packed package, as a new user makes one: pack KernelGen, create a console app
# with `dotnet new console`, add the package from a local folder, change no setting, build Release,
# run the golden 256-step story. Fails unless its stdout is run.c's bytes; prints its tokens/s
# beside the sample's (best of a few runs each; not asserted, since the machine may be loaded).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unset DOTNET_TieredCompilation DOTNET_TieredPGO DOTNET_TC_QuickJitForLoops DOTNET_ReadyToRun

version=$(dotnet msbuild "$repo/Packaging/KernelGen.Package.csproj" -getProperty:Version)
dotnet pack "$repo/Packaging/KernelGen.Package.csproj" -c Release -o "$work/packages" -nologo -v quiet
# A package of the same version restored before would be taken from the cache instead.
rm -rf "${NUGET_PACKAGES:-$HOME/.nuget/packages}/kernelgen/$version"

mkdir "$work/consumer"
cd "$work/consumer"
dotnet new console --framework net10.0 >/dev/null
dotnet new nugetconfig >/dev/null
dotnet nuget add source "$work/packages" --name kernelgen-local --configfile nuget.config >/dev/null
dotnet add package KernelGen --version "$version" >/dev/null
cp "$repo/Tests/Consumer/Program.cs" Program.cs
cp "$repo/models/stories260K.bin" "$repo/models/tok512.bin" .
dotnet build -c Release -nologo -v quiet -o out

golden="$repo/Tests/KernelGen.Decoding.Tests/TestData/once-upon-a-time.greedy-256.stdout"
./out/consumer > story.txt 2> report.txt
cmp story.txt "$golden"
echo "consumer: the story is run.c's, byte for byte"

dotnet build "$repo/Samples/Stories" -c Release -nologo -v quiet
sample="$repo/Samples/Stories/bin/Release/net10.0/stories"
best() {  # best tok/s of five runs of the command
  local top=0 speed
  for _ in 1 2 3 4 5; do
    speed=$("$@" 2>&1 >/dev/null | sed -n 's/^speed *\([0-9]*\) tok\/s.*/\1/p')
    [ "${speed:-0}" -gt "$top" ] && top=$speed
  done
  echo "$top"
}
consumer_speed=$(best ./out/consumer)
sample_speed=$(best "$sample" "Once upon a time")
echo "consumer (package, default settings): $consumer_speed tok/s"
echo "sample   (Samples/Stories):          $sample_speed tok/s"
awk -v c="$consumer_speed" -v s="$sample_speed" 'BEGIN { if (s > 0) printf "consumer / sample: %.2f\n", c / s }'
